using System.Security.Cryptography.X509Certificates;
using Confide.Data;
using Confide.Identity;
using Confide.Platform;
using Confide.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A real Confide server in this process: real Kestrel over HTTPS on free loopback ports, one
/// per region, real databases in a temporary data directory. The eu region runs on the
/// provider under test; us and au always on SQLite.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2? _localCa;

    private readonly bool _ownsData;

    private TestServer(WebApplication app, string dataDirectory, Dictionary<Region, int> ports, string provider, string? postgres, string? keyStore, bool ownsData)
    {
        KeyStorePostgresConnectionString = keyStore;
        _ownsData = ownsData;
        _app = app;
        DataDirectory = dataDirectory;
        Ports = ports;
        Provider = provider;
        PostgresConnectionString = postgres;
        // Absent when a test configures its own certificate files instead of the local CA.
        var ca = Path.Combine(dataDirectory, "tls", "ca.pem");
        _localCa = File.Exists(ca) ? X509Certificate2.CreateFromPem(File.ReadAllText(ca)) : null;
    }

    public string Provider { get; }

    public string DataDirectory { get; }

    public string? PostgresConnectionString { get; }

    /// <summary>The eu contact key store's database, for <see cref="Providers.PostgresKeyStore"/>; null when the keys are in the local file.</summary>
    public string? KeyStorePostgresConnectionString { get; }

    public IReadOnlyDictionary<Region, int> Ports { get; }

    public IServiceProvider Services => _app.Services;

    private X509Certificate2 TrustedCa => _localCa ?? throw new InvalidOperationException("This server uses configured certificate files, not the local CA.");

    public CellDatabase Cell(Region region) => Services.GetRequiredService<CellRegistry>().Get(region);

    public Uri BaseUrl(Region region) => new($"https://localhost:{Ports[region]}/");

    /// <param name="existingDataDirectory">Start on a data directory left by an earlier server (a restart); it is then not deleted on dispose.</param>
    /// <param name="existingPostgres">Likewise, the eu database of an earlier server; not dropped on dispose.</param>
    /// <param name="configure">Changes to the host before it is built (e.g. a clock the test moves).</param>
    /// <param name="settings">Extra configuration arguments (<c>--Confide:...=...</c>).</param>
    /// <param name="configureApp">Changes to the built application before it starts (e.g. a test-only endpoint).</param>
    public static async Task<TestServer> StartAsync(
        string provider, string? existingDataDirectory = null, string? existingPostgres = null, Action<WebApplicationBuilder>? configure = null,
        IEnumerable<string>? settings = null, Action<WebApplication>? configureApp = null)
    {
        var ownsData = existingDataDirectory is null;
        var dataDirectory = existingDataDirectory ?? Directory.CreateTempSubdirectory("confide-test-").FullName;
        var ports = Region.All.ToDictionary(r => r, _ => FreePorts.Next());
        var args = new List<string> { $"--Confide:DataDirectory={dataDirectory}", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.AspNetCore.DataProtection=Error",
            // No daily retention sweep unless a test asks for one: its activity entries would surprise other tests.
            "--Confide:Retention:Schedule=false" };
        args.AddRange(ports.Select(p => $"--Confide:Regions:{p.Key.Code}:Port={p.Value}"));
        args.AddRange(GenerousRateLimits.Args);
        args.AddRange(settings ?? []);
        string? postgres = null;
        if (Providers.IsPostgres(provider))
        {
            postgres = existingPostgres ?? await TestPostgres.CreateDatabaseAsync();
            args.Add($"--Confide:Regions:eu:Postgres={postgres}");
        }

        string? keyStore = null;
        if (provider == Providers.PostgresKeyStore)
        {
            keyStore = await KeyStoreDatabaseAsync(dataDirectory);
            args.Add($"--Confide:Regions:eu:KeyStore:Postgres={keyStore}");
        }

        var builder = ConfideHost.CreateBuilder([.. args]);
        ConfideHost.ConfigureEndpoints(builder);
        configure?.Invoke(builder);
        var app = ConfideHost.Build(builder);
        configureApp?.Invoke(app);
        await ConfideHost.MigrateAsync(app.Services);
        await app.StartAsync();
        return new TestServer(app, dataDirectory, ports, provider, postgres, keyStore, ownsData);
    }

    /// <summary>
    /// The key-store database of a data directory: created with it, and found again by a server
    /// restarted on it (so a restart, or a restored cell, keeps its contact keys).
    /// </summary>
    private static async Task<string> KeyStoreDatabaseAsync(string dataDirectory)
    {
        var remembered = Path.Combine(dataDirectory, "test-key-store-postgres");
        if (File.Exists(remembered))
        {
            return await File.ReadAllTextAsync(remembered);
        }

        var created = await TestPostgres.CreateDatabaseAsync();
        await File.WriteAllTextAsync(remembered, created);
        return created;
    }

    /// <summary>An HTTP client for one regional endpoint that trusts only the server's local CA.</summary>
    /// <summary>The local CA that signed the server's certificate, for clients other than HttpClient.</summary>
    public X509Certificate2 CaCertificate => TrustedCa;

    public HttpClient Client(Region region, string? token = null) => LocalCaClient.Create(TrustedCa, BaseUrl(region), token);

    /// <summary>A client that reaches the endpoint at one loopback address (<c>127.0.0.1</c> or <c>[::1]</c>), for tests of address rules.</summary>
    public HttpClient ClientVia(string loopbackHost, Region region, string? token = null, System.Net.CookieContainer? cookies = null) =>
        LocalCaClient.Create(TrustedCa, new Uri($"https://{loopbackHost}:{Ports[region]}/"), token, cookies);

    /// <summary>A browser-like client: cookies kept in <paramref name="cookies"/>, redirects not followed.</summary>
    public HttpClient Browser(Region region, System.Net.CookieContainer cookies) => LocalCaClient.Create(TrustedCa, BaseUrl(region), token: null, cookies);

    public async Task<TestWorkspace> CreateWorkspaceAsync(Region region, string name = "Test workspace", string? ownerEmail = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var bootstrapper = scope.ServiceProvider.GetRequiredService<WorkspaceBootstrapper>();
        var email = ownerEmail ?? $"owner-{Guid.NewGuid():N}@example.com";
        var result = await bootstrapper.CreateAsync(Cell(region), new(name, email, "Owner", "correct-horse-battery-staple"), CancellationToken.None);
        return new TestWorkspace(this, region, result.WorkspaceId, result.OwnerId, result.AccessToken, email);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _localCa?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsData)
        {
            return;
        }

        if (PostgresConnectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(PostgresConnectionString);
        }

        if (KeyStorePostgresConnectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(KeyStorePostgresConnectionString);
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record TestWorkspace(TestServer Server, Region Region, string Id, string OwnerId, string Token, string OwnerEmail)
{
    public HttpClient Client() => Server.Client(Region, Token);
}
