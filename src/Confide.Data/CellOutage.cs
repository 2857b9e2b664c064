namespace Confide.Data;

/// <summary>
/// How long a cell's PostgreSQL server has been out of reach, shared by the cell's reads and its
/// writer, so that a failover (a few seconds to the leader's TTL) delays requests instead of
/// failing them, while a longer outage fails them fast: an operation that cannot reach the
/// server waits and tries again only while the outage is younger than the budget
/// (<c>Confide:PostgresWriteRetrySeconds</c>).
/// </summary>
/// <remarks>
/// An outage is a run of failures less than <see cref="Gap"/> apart; a failure after a longer
/// quiet spell starts a new one. So no success has to be reported for the budget to be renewed,
/// and a process whose only traffic is reads recovers as well.
/// </remarks>
public sealed class CellOutage(TimeProvider time, TimeSpan budget)
{
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private DateTimeOffset? _since;
    private DateTimeOffset _last;

    public TimeSpan Budget => budget;

    /// <summary>Records a failure to reach the server; true when waiting <paramref name="pause"/> and trying again stays within the budget.</summary>
    public bool MayWait(TimeSpan pause)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_since is null || now - _last > Gap)
            {
                _since = now;
            }

            _last = now;
            return now - _since.Value + pause <= budget;
        }
    }

    /// <summary>The server answered: the next failure starts a new outage.</summary>
    public void Reachable()
    {
        lock (_lock)
        {
            _since = null;
        }
    }
}
