using Microsoft.AspNetCore.RateLimiting;
using Confide.Data.SharedState;
using Microsoft.Extensions.Options;

namespace Confide.Server.Hosting.RateLimiting;

/// <summary>Registers the global limiter from <see cref="RateLimitOptions"/>, validated at start-up.</summary>
internal static class RateLimitingSetup
{
    /// <param name="sharedState">The PostgreSQL database whose counters every process shares; null keeps them in this process.</param>
    public static void AddConfideRateLimits(this IServiceCollection services, string? sharedState)
    {
        services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        // With PostgreSQL every process draws on the same counters (docs/rate-limits.md).
        if (sharedState is not null)
        {
            services.AddSingleton(sp => new SharedRateLimits(
                new PostgresRateLimitStore(sharedState), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SharedRateLimits>>()));
            services.AddHostedService<SharedRateLimitPruning>();
        }

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, IServiceProvider>((limiter, limits, sp) =>
        {
            limiter.GlobalLimiter = RateLimitPartitions.Create(limits.Value, sp.GetService<SharedRateLimits>());
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RateLimitRejection.WriteAsync;
        });
    }

    private sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
    {
        public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
