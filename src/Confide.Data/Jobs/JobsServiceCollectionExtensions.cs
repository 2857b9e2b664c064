using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Confide.Data.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>The job queue, the reads and the runner (a hosted service that runs the jobs of every served cell).</summary>
    public static IServiceCollection AddConfideJobs(this IServiceCollection services)
    {
        services.AddOptions<JobOptions>()
            .BindConfiguration(JobOptions.Section)
            .Validate(o => o.Concurrency is >= 1 and <= 64, "Confide:Jobs:Concurrency must be between 1 and 64.")
            .Validate(o => o.Lease >= TimeSpan.FromSeconds(1), "Confide:Jobs:Lease must be at least one second.")
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.PollInterval < o.Lease, "Confide:Jobs:PollInterval must be positive and shorter than the lease.")
            .Validate(o => o.MaxAttempts >= 1, "Confide:Jobs:MaxAttempts must be at least 1.")
            .Validate(o => o.RetryDelay >= TimeSpan.Zero && o.MaxRetryDelay >= o.RetryDelay, "Confide:Jobs:RetryDelay must not be negative nor longer than MaxRetryDelay.")
            .Validate(o => o.KeepFinishedDays is >= 1 and <= 3650, "Confide:Jobs:KeepFinishedDays must be between 1 and 3650.")
            .ValidateOnStart();
        services.TryAddSingleton<JobSignals>();
        services.TryAddSingleton<JobQueue>();
        services.TryAddSingleton<JobHandlers>();
        services.TryAddSingleton(sp => new JobRunner(
            sp.GetRequiredService<CellRegistry>(),
            sp.GetRequiredService<JobHandlers>(),
            sp.GetRequiredService<JobSignals>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<JobRunner>>()));
        // Once, however often this is called: the same runner started twice would claim twice as much.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobRunner>(sp => sp.GetRequiredService<JobRunner>()));
        return services;
    }

    /// <summary>Registers the handler of one job kind (a singleton; see <see cref="IJobHandler"/>).</summary>
    public static IServiceCollection AddJobHandler<T>(this IServiceCollection services)
        where T : class, IJobHandler =>
        services.AddSingleton<IJobHandler, T>();
}
