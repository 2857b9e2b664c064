using Confide.Platform;

namespace Confide.Data.SharedState;

/// <summary>
/// Where state that belongs to no region lives when Confide runs as several processes: the keys
/// that protect session cookies and antiforgery tokens. That is the PostgreSQL database of the
/// first region, in a fixed order, configured with one, so every process with the same
/// configuration picks the same database, whichever regions it serves itself. Without any
/// PostgreSQL region there is one process, and such state stays in its data directory.
/// </summary>
public static class SharedStateDatabase
{
    /// <summary>The connection string to use, or null when no region is on PostgreSQL.</summary>
    public static string? ConnectionString(ConfideOptions options)
    {
        foreach (var region in Region.All)
        {
            if (options.For(region).Postgres is { Length: > 0 } connectionString)
            {
                PostgresTransportSecurity.EnsureVerifyFull(region, connectionString, options.AllowInsecurePostgres);
                return connectionString;
            }
        }

        return null;
    }
}
