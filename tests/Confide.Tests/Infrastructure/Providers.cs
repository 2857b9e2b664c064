namespace Confide.Tests.Infrastructure;

/// <summary>The database providers every data and API test runs on.</summary>
public static class Providers
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>The cell on PostgreSQL and the contact key store on a second PostgreSQL database (the scale-out deployment, ADR 0016).</summary>
    public const string PostgresKeyStore = "postgres-keystore";

    public static TheoryData<string> All => new(Sqlite, Postgres);

    /// <summary>For the tests of contact keys: every provider, plus PostgreSQL with its key store on PostgreSQL too.</summary>
    public static TheoryData<string> WithKeyStores => new(Sqlite, Postgres, PostgresKeyStore);

    /// <summary>Whether the cell database of <paramref name="provider"/> is PostgreSQL.</summary>
    public static bool IsPostgres(string provider) => provider is Postgres or PostgresKeyStore;
}

/// <summary>
/// One running server per provider, started on first use and shared by all tests (each test
/// works in workspaces of its own). PostgreSQL tests are skipped, visibly, when no server is
/// configured, and fail when CI says one is required.
/// </summary>
public sealed class Servers : IAsyncDisposable
{
    private readonly Dictionary<string, Lazy<Task<TestServer>>> _servers = new()
    {
        [Providers.Sqlite] = new(() => TestServer.StartAsync(Providers.Sqlite)),
        [Providers.Postgres] = new(() => TestServer.StartAsync(Providers.Postgres)),
        [Providers.PostgresKeyStore] = new(() => TestServer.StartAsync(Providers.PostgresKeyStore)),
    };

    public Task<TestServer> GetAsync(string provider)
    {
        if (Providers.IsPostgres(provider) && TestPostgres.ConnectionString is null)
        {
            if (TestPostgres.Required)
            {
                Assert.Fail("CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
            }

            Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        }

        return _servers[provider].Value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values.Where(s => s.IsValueCreated))
        {
            await (await server.Value).DisposeAsync();
        }
    }
}
