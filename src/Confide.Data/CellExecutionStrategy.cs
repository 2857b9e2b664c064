using Microsoft.EntityFrameworkCore.Storage;

namespace Confide.Data;

/// <summary>
/// Runs a PostgreSQL cell's reads (and the framework's own saves) again when the server could not
/// be reached, pausing up to 2 s between attempts, for as long as <see cref="CellOutage"/> allows:
/// across a Patroni failover a request waits for the new primary instead of failing.
/// The writer's transactions do not use it; <see cref="CellWriter"/> retries whole batches itself.
/// </summary>
internal sealed class CellExecutionStrategy(ExecutionStrategyDependencies dependencies, CellOutage outage)
    : ExecutionStrategy(dependencies, maxRetryCount: 1000, maxRetryDelay: TimeSpan.FromSeconds(2))
{
    protected override bool ShouldRetryOn(Exception exception) =>
        DatabaseFailure.IsUnavailable(exception) && !DatabaseFailure.IsContention(exception);

    protected override TimeSpan? GetNextDelay(Exception lastException) =>
        base.GetNextDelay(lastException) is { } delay && outage.MayWait(delay) ? delay : null;
}
