namespace Confide.Tests.Infrastructure;

/// <summary>
/// Two Confide processes serving region eu from one PostgreSQL cell database, as two instances
/// behind a load balancer would: each has its own data directory (its own TLS certificate and
/// nothing else of its own), and the same keys, copied from the first as an operator installs
/// them on every node. The contact key store is a second PostgreSQL database they share.
/// </summary>
internal sealed class ProcessPair : IAsyncDisposable
{
    private readonly string _cell;
    private readonly string _keyStore;

    private ProcessPair(string cell, string keyStore)
    {
        _cell = cell;
        _keyStore = keyStore;
        A = Create();
        B = Create();
    }

    public ServerProcess A { get; }

    public ServerProcess B { get; }

    /// <summary>Starts both; <paramref name="configure"/> sets the same extra configuration on each.</summary>
    public static async Task<ProcessPair> StartAsync(Action<ServerProcess>? configure = null)
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var pair = new ProcessPair(await TestPostgres.CreateDatabaseAsync(), await TestPostgres.CreateDatabaseAsync());
        try
        {
            configure?.Invoke(pair.A);
            configure?.Invoke(pair.B);
            await pair.A.StartAsync();
            CopyDirectory(Path.Combine(pair.A.DataDirectory, "keys"), Path.Combine(pair.B.DataDirectory, "keys"));
            await pair.B.StartAsync();
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private ServerProcess Create()
    {
        var server = new ServerProcess(_cell);
        server.Configure("Confide:Serve:0", "eu");
        server.Configure("Confide:Regions:eu:KeyStore:Postgres", _keyStore);
        server.EnvironmentVariables["CONFIDE_OWNER_PASSWORD"] = TeammateBrowser.OwnerPassword;
        return server;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await A.StopAsync();
        await B.StopAsync();
        A.Dispose();
        B.Dispose();
        await TestPostgres.DropDatabaseAsync(_cell);
        await TestPostgres.DropDatabaseAsync(_keyStore);
    }
}
