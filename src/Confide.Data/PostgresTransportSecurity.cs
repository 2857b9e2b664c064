using Confide.Platform;
using Npgsql;

namespace Confide.Data;

/// <summary>
/// A region's PostgreSQL connection must use TLS with the server's certificate and host name
/// verified (<c>SSL Mode=VerifyFull</c>); anything weaker can be read or redirected on the
/// network. Checked when the cells are opened, so a weaker setting stops the start with a clear
/// error, unless <see cref="ConfideOptions.AllowInsecurePostgres"/> is set for local development.
/// </summary>
public static class PostgresTransportSecurity
{
    public static void EnsureVerifyFull(Region region, string connectionString, bool allowInsecure) =>
        EnsureVerifyFull($"Confide:Regions:{region.Code}:Postgres", connectionString, allowInsecure);

    /// <summary>The same rule for another PostgreSQL connection (e.g. a region's key store), named by its setting in the error.</summary>
    public static void EnsureVerifyFull(string setting, string connectionString, bool allowInsecure)
    {
        var mode = new NpgsqlConnectionStringBuilder(connectionString).SslMode;
        if (mode == SslMode.VerifyFull || allowInsecure)
        {
            return;
        }

        throw new InvalidOperationException(
            $"{setting} uses SSL Mode={mode}; Confide requires SSL Mode=VerifyFull " +
            "(TLS with the server certificate and host name verified; add Root Certificate=<CA file> for a private CA). " +
            "For local development only, Confide:AllowInsecurePostgres=true accepts weaker modes.");
    }
}
