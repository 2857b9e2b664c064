using Npgsql;

namespace Confide.Data.SharedState;

/// <summary>
/// The counters of the rate limits that every process of a deployment shares, in one PostgreSQL
/// table: a token bucket or a fixed window per key. A process asks for a few permits at a time
/// (<see cref="TakeFromBucketAsync"/>, <see cref="TakeFromWindowAsync"/>) and spends them
/// locally, so the sum over all processes never exceeds the limit while most requests cost no
/// round trip. Each call is one atomic statement: concurrent takers never get the same permit.
/// </summary>
/// <remarks>
/// Keys are SHA-256 hashes (of a client address, of a bearer token), never the values. The table
/// is UNLOGGED: a crash of the database resets the counters, which only forgives a little.
/// Rows idle for an hour are removed by <see cref="PruneAsync"/>.
/// </remarks>
public sealed class PostgresRateLimitStore(string connectionString)
{
    private const string Schema = """
        CREATE UNLOGGED TABLE IF NOT EXISTS confide_rate_limits (
            key        bytea PRIMARY KEY,
            tokens     double precision NOT NULL,
            last_grant integer NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """;

    // Every SET expression sees the row as it was, so the refill is spelled out where it is used.
    private const string TakeFromBucket = """
        INSERT INTO confide_rate_limits AS b (key, tokens, last_grant, updated_at)
        VALUES (@key, @limit - least(@want, @limit), least(@want, @limit), now())
        ON CONFLICT (key) DO UPDATE SET
            last_grant = least(@want, floor(least(@limit, b.tokens + extract(epoch FROM now() - b.updated_at) * @rate)))::integer,
            tokens = least(@limit, b.tokens + extract(epoch FROM now() - b.updated_at) * @rate)
                - least(@want, floor(least(@limit, b.tokens + extract(epoch FROM now() - b.updated_at) * @rate))),
            updated_at = now()
        RETURNING last_grant
        """;

    // updated_at holds the start of the window the count belongs to; a new window starts full.
    private const string TakeFromWindow = """
        WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / @seconds) * @seconds) AS start)
        INSERT INTO confide_rate_limits AS b (key, tokens, last_grant, updated_at)
        SELECT @key, @limit - least(@want, @limit), least(@want, @limit), w.start FROM w
        ON CONFLICT (key) DO UPDATE SET
            last_grant = least(@want, CASE WHEN b.updated_at = excluded.updated_at THEN b.tokens ELSE @limit END)::integer,
            tokens = CASE WHEN b.updated_at = excluded.updated_at THEN b.tokens ELSE @limit END
                - least(@want, CASE WHEN b.updated_at = excluded.updated_at THEN b.tokens ELSE @limit END),
            updated_at = excluded.updated_at
        RETURNING last_grant
        """;

    private readonly Lazy<Task> _created = new(() => CreateAsync(connectionString), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Takes up to <paramref name="want"/> permits from a bucket of <paramref name="limit"/> refilled at <paramref name="perSecond"/>; returns how many it got.</summary>
    public Task<int> TakeFromBucketAsync(byte[] key, int want, int limit, int perSecond, CancellationToken cancellationToken) =>
        TakeAsync(TakeFromBucket, key, want, limit, ("rate", (double)perSecond), cancellationToken);

    /// <summary>Takes up to <paramref name="want"/> permits from the current fixed window of <paramref name="seconds"/> that allows <paramref name="limit"/>.</summary>
    public Task<int> TakeFromWindowAsync(byte[] key, int want, int limit, int seconds, CancellationToken cancellationToken) =>
        TakeAsync(TakeFromWindow, key, want, limit, ("seconds", (double)seconds), cancellationToken);

    /// <summary>Removes counters nobody used for an hour (a full bucket or a past window behaves as no row).</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        await _created.Value;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM confide_rate_limits WHERE updated_at < now() - interval '1 hour'", connection);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<int> TakeAsync(string sql, byte[] key, int want, int limit, (string Name, double Value) period, CancellationToken cancellationToken)
    {
        await _created.Value;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("want", want);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue(period.Name, period.Value);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task CreateAsync(string connectionString) =>
        PostgresSchema.EnsureAsync(connectionString, "confide_rate_limits", Schema, CancellationToken.None);
}
