namespace Confide.Server.Hosting.RateLimiting;

/// <summary>Every hour, removes the shared counters nobody used for an hour (any process may; the delete is idempotent).</summary>
internal sealed class SharedRateLimitPruning(SharedRateLimits shared, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await shared.Store.PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                // Only housekeeping: the next hour tries again, and a stale row behaves as a full bucket.
            }
        }
    }
}
