using Confide.Data.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Privacy.Retention;

/// <summary>The retention engine's services: the policy, the dry run, the sweep job, its scheduler and controls (docs/retention.md).</summary>
public static class RetentionEngineRegistration
{
    public static IServiceCollection AddRetentionEngine(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>()
            .BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.BatchSize is null or (>= 1 and <= 10_000), "Confide:Retention:BatchSize must be between 1 and 10000.")
            .Validate(o => o.RunAt >= TimeSpan.Zero && o.RunAt < TimeSpan.FromDays(1), "Confide:Retention:RunAt must be a time of day (00:00:00 to 23:59:59, UTC).")
            .Validate(o => o.StepPause >= TimeSpan.Zero && o.StepPause <= TimeSpan.FromSeconds(10), "Confide:Retention:StepPause must be between 0 and 10 seconds (a step must stay well inside the job lease).")
            .Validate(o => o.BusyShare is >= 0.05 and <= 1, "Confide:Retention:BusyShare must be between 0.05 and 1.")
            .Validate(o => o.CheckInterval >= TimeSpan.FromMilliseconds(10) && o.CheckInterval <= TimeSpan.FromHours(1), "Confide:Retention:CheckInterval must be between 10 ms and an hour.")
            .Validate(o => o.BuiltInAfterDays.Values.All(d => d is >= RetentionRules.MinAfterDays and <= RetentionRules.MaxAfterDays), "Confide:Retention:BuiltInAfterDays:<subject> must be between 1 and 3650 days.")
            .ValidateOnStart();
        services.AddSingleton<RetentionRules>();
        services.AddSingleton<RetentionPolicyCommands>();
        services.AddSingleton<RetentionStatusQueries>();
        services.AddSingleton<RetentionControls>();
        services.AddSingleton<RetentionScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionScheduler>());
        services.AddJobHandler<RetentionSweepJob>();
        return services;
    }
}
