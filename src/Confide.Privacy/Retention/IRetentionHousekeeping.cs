using Confide.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Privacy.Retention;

/// <summary>
/// Region-wide clean-up that runs with every retention sweep, after the workspaces' rules:
/// finished job rows, expired sessions and invitations, anything kept only for a while by
/// design. Same batch contract as <see cref="IRetentionRule.NextBatchAsync"/>.
/// </summary>
public interface IRetentionHousekeeping
{
    /// <summary>What it cleans, for the run's counts (e.g. <c>finished_jobs</c>).</summary>
    string Name { get; }

    /// <summary>The next batch of at most <paramref name="batchSize"/> rows to delete in <paramref name="cell"/>, or null when none is due at <paramref name="now"/>.</summary>
    Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken);
}

public static class RetentionHousekeepingRegistration
{
    public static IServiceCollection AddRetentionHousekeeping<THousekeeping>(this IServiceCollection services)
        where THousekeeping : class, IRetentionHousekeeping
    {
        services.AddSingleton<IRetentionHousekeeping, THousekeeping>();
        return services;
    }
}
