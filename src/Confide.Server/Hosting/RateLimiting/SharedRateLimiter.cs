using System.Threading.RateLimiting;
using Confide.Data.SharedState;

namespace Confide.Server.Hosting.RateLimiting;

/// <summary>
/// One partition's limit shared by every process of a deployment (its counter in
/// <see cref="PostgresRateLimitStore"/>). Permits are fetched a few at a time and spent here; a
/// fetched permit left unused expires after <see cref="SharedLimit.HoldFor"/>, so no process
/// hoards what another needs. Once the shared counter is empty this process refuses locally
/// until it can have refilled, so a flood of refused requests does not reach the database.
/// </summary>
/// <remarks>
/// When the database cannot be reached the request is let through (and a line logged by the
/// caller's first failure): the request itself then meets the same outage and is answered 503,
/// and a limiter must not turn a database blip into refusing every request.
/// </remarks>
internal sealed class SharedRateLimiter(PostgresRateLimitStore store, byte[] key, SharedLimit limit, TimeProvider time, Action<Exception> onStoreFailure) : RateLimiter
{
    private readonly SemaphoreSlim _fetch = new(1, 1);
    private readonly Lock _lock = new();
    private int _held;
    private DateTimeOffset _heldUntil;
    private DateTimeOffset _emptyUntil;
    // Ticks, not a DateTimeOffset: IdleDuration reads it without the lock, and a 16-byte struct could be read torn.
    private long _lastUsedTicks = time.GetUtcNow().UtcTicks;

    public override TimeSpan? IdleDuration => TimeSpan.FromTicks(time.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastUsedTicks));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        TryTakeHeld(permitCount, time.GetUtcNow()) ? Acquired.Instance : Refused(time.GetUtcNow(), awaitingFetch: true);

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (TryTakeHeld(permitCount, now))
        {
            return Acquired.Instance;
        }

        lock (_lock)
        {
            if (now < _emptyUntil)
            {
                return Refused(now, awaitingFetch: false);
            }
        }

        await _fetch.WaitAsync(cancellationToken);
        try
        {
            // Another request may have fetched while this one waited.
            now = time.GetUtcNow();
            if (TryTakeHeld(permitCount, now))
            {
                return Acquired.Instance;
            }

            int granted;
            try
            {
                granted = await limit.TakeAsync(store, key, Math.Max(permitCount, limit.Chunk), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                onStoreFailure(ex);
                return Acquired.Instance;
            }

            lock (_lock)
            {
                now = time.GetUtcNow();
                Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
                if (granted < permitCount)
                {
                    // What was granted short of the request is given up: a partial request cannot run.
                    _emptyUntil = now + limit.RefillAfter(now);
                    return Refused(now, awaitingFetch: false);
                }

                _held = granted - permitCount;
                _heldUntil = now + limit.HoldFor;
                return Acquired.Instance;
            }
        }
        finally
        {
            _fetch.Release();
        }
    }

    private bool TryTakeHeld(int permitCount, DateTimeOffset now)
    {
        lock (_lock)
        {
            Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
            if (_held >= permitCount && now < _heldUntil)
            {
                _held -= permitCount;
                return true;
            }

            return false;
        }
    }

    private RefusedLease Refused(DateTimeOffset now, bool awaitingFetch) =>
        new(awaitingFetch ? null : (_emptyUntil > now ? _emptyUntil - now : TimeSpan.FromSeconds(1)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fetch.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class Acquired : RateLimitLease
    {
        public static readonly Acquired Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    /// <summary>A refusal; with no retry time when it only means "ask the shared counter" (the synchronous attempt).</summary>
    private sealed class RefusedLease(TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}

/// <summary>The shape of a shared limit: a token bucket or a fixed window, and how many permits a process fetches at once.</summary>
internal abstract record SharedLimit(int Limit)
{
    /// <summary>How long fetched permits may be spent; what is left then is forfeited.</summary>
    public TimeSpan HoldFor { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Permits fetched at a time: about a twentieth of the limit, so several processes share it finely.</summary>
    public int Chunk => Math.Max(1, Limit / 20);

    public abstract Task<int> TakeAsync(PostgresRateLimitStore store, byte[] key, int want, CancellationToken cancellationToken);

    /// <summary>When an empty counter can next give a permit, from <paramref name="now"/>.</summary>
    public abstract TimeSpan RefillAfter(DateTimeOffset now);
}

internal sealed record SharedBucket(int Burst, int PerSecond) : SharedLimit(Burst)
{
    public override Task<int> TakeAsync(PostgresRateLimitStore store, byte[] key, int want, CancellationToken cancellationToken) =>
        store.TakeFromBucketAsync(key, want, Burst, PerSecond, cancellationToken);

    public override TimeSpan RefillAfter(DateTimeOffset now) => TimeSpan.FromSeconds(1.0 / PerSecond);
}

internal sealed record SharedWindow(int Permits, int Seconds) : SharedLimit(Permits)
{
    public override Task<int> TakeAsync(PostgresRateLimitStore store, byte[] key, int want, CancellationToken cancellationToken) =>
        store.TakeFromWindowAsync(key, want, Permits, Seconds, cancellationToken);

    public override TimeSpan RefillAfter(DateTimeOffset now)
    {
        var windowMs = Seconds * 1000L;
        var ms = now.ToUnixTimeMilliseconds();
        return TimeSpan.FromMilliseconds(windowMs - (ms % windowMs));
    }
}
