using Confide.Tests.Infrastructure;

namespace Confide.Tests.Sso;

/// <summary>
/// The OIDC test provider and, per database provider, a Confide server that trusts its CA
/// (<c>Confide:Sso:ExtraTrustedCaFile</c>), started on first use and shared by the class.
/// </summary>
public sealed class OidcServers : IAsyncDisposable
{
    private readonly Lazy<Task<OidcTestProvider>> _provider = new(OidcTestProvider.StartAsync);
    private readonly Dictionary<string, Lazy<Task<TestServer>>> _servers = [];

    public OidcServers()
    {
        foreach (var database in new[] { Providers.Sqlite, Providers.Postgres })
        {
            _servers[database] = new(async () =>
            {
                var idp = await _provider.Value;
                return await TestServer.StartAsync(database, configure: b =>
                {
                    b.Configuration["Confide:Sso:ExtraTrustedCaFile"] = idp.CaFile;
                    // The test provider runs on loopback, which the backchannel refuses unless allowed.
                    b.Configuration["Confide:Sso:AllowedPrivateNetworks:0"] = "127.0.0.0/8";
                    b.Configuration["Confide:Sso:AllowedPrivateNetworks:1"] = "::1/128";
                });
            });
        }
    }

    public async Task<(TestServer Server, OidcTestProvider Provider)> GetAsync(string database)
    {
        if (database == Providers.Postgres && TestPostgres.ConnectionString is null)
        {
            if (TestPostgres.Required)
            {
                Assert.Fail("CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
            }

            Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        }

        var provider = await _provider.Value;
        return (await _servers[database].Value, provider);
    }

    public async ValueTask DisposeAsync()
    {
        // Only what started: a skipped or failed start has nothing to stop.
        foreach (var server in _servers.Values.Where(s => s.IsValueCreated && s.Value.IsCompletedSuccessfully))
        {
            await (await server.Value).DisposeAsync();
        }

        if (_provider.IsValueCreated && _provider.Value.IsCompletedSuccessfully)
        {
            await (await _provider.Value).DisposeAsync();
        }
    }
}
