using Confide.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Confide.Tests.Sso;

/// <summary>
/// One SimpleSAMLphp IdP over HTTPS and, per database provider, a Confide server whose log lines
/// are kept (<see cref="Logs"/>), started on first use and shared by the class. Each test
/// registers its own workspace's SP and its own users with the IdP.
/// </summary>
public sealed class SamlServers : IAsyncDisposable
{
    private readonly Lazy<Task<SimpleSamlPhpIdp>> _idp = new(() => SimpleSamlPhpIdp.StartAsync(https: true));
    private readonly Dictionary<string, Lazy<Task<TestServer>>> _servers = [];

    public SamlServers()
    {
        foreach (var database in new[] { Providers.Sqlite, Providers.Postgres })
        {
            _servers[database] = new(() => TestServer.StartAsync(database, configure: b => b.Logging.AddProvider(Logs)));
        }
    }

    public CapturedLogs Logs { get; } = new();

    public async Task<(TestServer Server, SimpleSamlPhpIdp Idp)> GetAsync(string database)
    {
        if (database == Providers.Postgres && TestPostgres.ConnectionString is null)
        {
            if (TestPostgres.Required)
            {
                Assert.Fail("CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
            }

            Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        }

        var idp = await _idp.Value;
        return (await _servers[database].Value, idp);
    }

    public async ValueTask DisposeAsync()
    {
        // Only what started: a skipped or failed start has nothing to stop.
        foreach (var server in _servers.Values.Where(s => s.IsValueCreated && s.Value.IsCompletedSuccessfully))
        {
            await (await server.Value).DisposeAsync();
        }

        if (_idp.IsValueCreated && _idp.Value.IsCompletedSuccessfully)
        {
            await (await _idp.Value).DisposeAsync();
        }

        Logs.Dispose();
    }
}
