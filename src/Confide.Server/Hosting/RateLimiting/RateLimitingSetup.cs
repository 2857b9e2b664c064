using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Confide.Server.Hosting.RateLimiting;

/// <summary>Registers the global limiter from <see cref="RateLimitOptions"/>, validated at start-up.</summary>
internal static class RateLimitingSetup
{
    public static void AddConfideRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            limiter.GlobalLimiter = RateLimitPartitions.Create(limits.Value);
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
