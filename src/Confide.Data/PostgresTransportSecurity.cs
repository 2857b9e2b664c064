using Confide.Platform;
using Npgsql;

namespace Confide.Data;

/// <summary>
/// A region's PostgreSQL connection must use TLS with the server's certificate and host name
/// verified (<c>SSL Mode=VerifyFull</c>); anything weaker can be read or redirected on the
/// network. Checked when the cells are opened, so a weaker setting stops the start with a clear
/// error, unless <see cref="ConfideOptions.AllowInsecurePostgres"/> is set for local development.
/// </summary>
internal static class PostgresTransportSecurity
{
    public static void EnsureVerifyFull(Region region, string connectionString, bool allowInsecure)
    {
        var mode = new NpgsqlConnectionStringBuilder(connectionString).SslMode;
        if (mode == SslMode.VerifyFull || allowInsecure)
        {
            return;
        }

        throw new InvalidOperationException(
            $"Confide:Regions:{region.Code}:Postgres uses SSL Mode={mode}; Confide requires SSL Mode=VerifyFull " +
            "(TLS with the server certificate and host name verified; add Root Certificate=<CA file> for a private CA). " +
            "For local development only, Confide:AllowInsecurePostgres=true accepts weaker modes.");
    }
}
