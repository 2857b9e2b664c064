using Confide.Tests.Infrastructure;
using Npgsql;

namespace Confide.Tests.Transport;

/// <summary>
/// Database traffic is TLS with a verified server: the configuration refuses weaker SSL modes,
/// and the CI PostgreSQL (scripts/postgres-test-cluster.sh, TLS-only pg_hba) refuses plain connections.
/// </summary>
public sealed class PostgresTlsTests
{
    [Theory]
    [InlineData("Disable")]
    [InlineData("Prefer")]
    [InlineData("Require")]
    [InlineData("VerifyCA")]
    public async Task WeakerSslModeThanVerifyFull_StopsTheStart(string mode)
    {
        var connectionString = $"Host=db.example.internal;Database=confide;Username=confide;Password=x;SSL Mode={mode}";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestServer.StartAsync(Providers.Sqlite, settings: [$"--Confide:Regions:eu:Postgres={connectionString}"]));

        Assert.Contains("SSL Mode=VerifyFull", error.Message, StringComparison.Ordinal);
        Assert.Contains("Confide:Regions:eu:Postgres", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainConnectionToTheCiPostgres_IsRefused()
    {
        if (TestPostgres.ConnectionString is null)
        {
            Assert.True(!TestPostgres.Required, "CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
            Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        }

        var secure = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionString);
        Assert.Equal(SslMode.VerifyFull, secure.SslMode);
        var plain = new NpgsqlConnectionStringBuilder(secure.ConnectionString) { SslMode = SslMode.Disable, Pooling = false };

        await using var connection = new NpgsqlConnection(plain.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(connection.OpenAsync);

        // 28000 invalid_authorization_specification: "no pg_hba.conf entry ... no encryption".
        Assert.Equal("28000", error.SqlState);
        Assert.Contains("no encryption", error.MessageText, StringComparison.Ordinal);

        await using var verified = new NpgsqlConnection(secure.ConnectionString);
        await verified.OpenAsync();
    }
}
