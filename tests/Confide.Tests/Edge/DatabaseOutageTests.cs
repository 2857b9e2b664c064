using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Confide.Tests.Edge;

/// <summary>
/// The region's database fails for real — the SQLite file's disk fills up, the PostgreSQL
/// server stops answering — while requests keep coming: writes are answered 503 with
/// Retry-After (not 500), liveness stays up while readiness and /health say unavailable, the
/// log grows by a bounded number of lines without stack traces, and all of it recovers.
/// </summary>
public sealed class DatabaseOutageTests
{
    private const int FailingRequests = 40;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DatabaseFails_Writes503WithRetryAfter_LogStaysSmall_ReadinessSaysSo_AndItRecovers(string provider)
    {
        var logs = new CapturedLogs();
        await using var outage = await Outage.StartAsync(provider, logs);
        var server = outage.Server;
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        using var anonymous = server.Client(Region.Eu);
        await (await client.PostJsonAsync("contacts", new { external_id = "before" })).JsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/ready")).StatusCode);
        var linesBefore = logs.Lines.Count;

        await outage.BreakAsync();

        for (var i = 0; i < FailingRequests; i++)
        {
            using var response = await client.PostJsonAsync("contacts", new { external_id = $"during-{i}" });
            await response.ErrorAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        using (var live = await anonymous.GetAsync("health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        foreach (var path in new[] { "health/ready", "health" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        // One line for the first failure, the rest counted, no stack traces, no request data.
        var during = logs.Lines.Skip(linesBefore).ToList();
        Assert.Contains(during, l => l.Contains("answered 503", StringComparison.Ordinal));
        Assert.True(during.Count <= 6, $"{FailingRequests} failing requests logged {during.Count} lines:\n{string.Join('\n', during)}");
        Assert.DoesNotContain(during, l => l.Contains("   at ", StringComparison.Ordinal) || l.Contains("during-", StringComparison.Ordinal));

        outage.Restore();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpStatusCode status;
        do
        {
            using var response = await client.PostJsonAsync("contacts", new { external_id = "after" });
            status = response.StatusCode;
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"while recovering: {status}");
            Assert.True(DateTime.UtcNow < deadline, "writes did not recover within 60 s");
        }
        while (status != HttpStatusCode.OK);

        // A successful write answers readiness at once (no probe needed).
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health")).StatusCode);
    }

    [Fact]
    public async Task PostgresGoneForLessThanTheWriteRetry_DelaysWrites_InsteadOfFailingThem()
    {
        await using var outage = await Outage.StartAsync(Providers.Postgres, new CapturedLogs(), writeRetrySeconds: 45);
        var workspace = await outage.Server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        await (await client.PostJsonAsync("contacts", new { external_id = "before" })).JsonAsync();

        // As during a failover: the primary is unreachable for a few seconds, then a server answers again.
        await outage.BreakAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var write = client.PostJsonAsync("contacts", new { external_id = "across" });
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(write.IsCompleted, "the write was answered while the database was unreachable");
        outage.Restore();

        var contact = await (await write).JsonAsync();
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(3));
        Assert.Equal("across", contact.Str("external_id"));
        var found = await (await client.PostJsonAsync("contacts/search", new { query = new { field = "external_id", @operator = "=", value = "across" } })).JsonAsync();
        Assert.Equal(1, found.GetProperty("total_count").GetInt32());
    }

    [Fact]
    public async Task SqliteWriteLockHeldElsewhere_ReadinessSaysSoWithinItsBound_LivenessStaysUp_AndItRecovers()
    {
        await using var server = await TestServer.StartAsync(Providers.Sqlite);
        using var anonymous = server.Client(Region.Eu);
        using var client = (await server.CreateWorkspaceAsync(Region.Eu)).Client();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/ready")).StatusCode);

        // Another process (a backup tool, an operator's sqlite3 shell) holds the write lock.
        var file = Path.Combine(server.DataDirectory, "regions", "eu", "confide.db");
        await using (var holder = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                await begin.ExecuteNonQueryAsync();
            }

            // The probe waits behind the lock like any write; the answer does not: at most the
            // reuse window of the last answer plus the probe's time limit (and a loaded machine's slack).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while ((await anonymous.GetAsync("health/ready")).StatusCode == HttpStatusCode.OK)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"readiness still said ready {clock.Elapsed} after the lock was taken");
                await Task.Delay(100);
            }

            using var ready = await anonymous.GetAsync("health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), ready.Headers.RetryAfter?.Delta);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health/live")).StatusCode);
            // Reads go on (WAL): only writes wait for the lock.
            await (await client.GetAsync("contacts")).JsonAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await anonymous.GetAsync("health/ready")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "readiness did not recover within 60 s of the lock's release");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task StartWithUnreachablePostgres_ExitsNonZero_WithOneLineAndNoStackTrace()
    {
        var nothingListens = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionString ?? "Host=127.0.0.1;Username=confide;Password=unused;Database=confide")
        {
            Host = "127.0.0.1",
            Port = FreePorts.Next(),
            SslMode = SslMode.VerifyFull,
        }.ConnectionString;
        using var server = new ServerProcess(euPostgres: nothingListens);

        var (exitCode, output) = await server.StartExpectingFailureAsync();

        AssertOneClearLine(exitCode, output, "npgsql:");
    }

    [Fact]
    public async Task StartOnAFullDisk_ExitsNonZero_WithOneLineAndNoStackTrace()
    {
        using var server = new ServerProcess();
        using var disk = await SmallDisk.MountAsync(Path.Combine(server.DataDirectory, "regions", "eu"), megabytes: 1);
        disk.Fill();

        var (exitCode, output) = await server.StartExpectingFailureAsync();

        AssertOneClearLine(exitCode, output, "sqlite:");
    }

    private static void AssertOneClearLine(int exitCode, string output, string reason)
    {
        Assert.NotEqual(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.Contains("Confide could not start: Region 'eu': its database is unavailable", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }

    /// <summary>A test server whose eu database can be made to fail, the way each provider really fails.</summary>
    private sealed class Outage : IAsyncDisposable
    {
        private readonly SmallDisk? _disk;
        private readonly CuttableTcpProxy? _proxy;
        private readonly string? _dataDirectory;

        private Outage(TestServer server, SmallDisk? disk, CuttableTcpProxy? proxy, string? dataDirectory)
        {
            Server = server;
            _disk = disk;
            _proxy = proxy;
            _dataDirectory = dataDirectory;
        }

        public TestServer Server { get; }

        public static async Task<Outage> StartAsync(string provider, CapturedLogs logs, int writeRetrySeconds = 2)
        {
            void Capture(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) => builder.Logging.AddProvider(logs);
            if (provider == Providers.Postgres)
            {
                if (TestPostgres.ConnectionString is null)
                {
                    Assert.False(TestPostgres.Required, "CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
                    Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
                }

                // The eu region reaches PostgreSQL only through a proxy the test can cut.
                var database = await TestPostgres.CreateDatabaseAsync();
                var direct = new NpgsqlConnectionStringBuilder(database);
                var proxy = new CuttableTcpProxy(direct.Port);
                var viaProxy = new NpgsqlConnectionStringBuilder(database) { Port = proxy.Port, Timeout = 5 }.ConnectionString;
                // Writes wait out a short outage (a failover) for this long before they are answered 503.
                var settings = new[] { $"--Confide:PostgresWriteRetrySeconds={writeRetrySeconds}" };
                return new Outage(await TestServer.StartAsync(provider, existingPostgres: viaProxy, configure: Capture, settings: settings), null, proxy, null);
            }

            // The eu region's database directory on a small disk of its own.
            var dataDirectory = Directory.CreateTempSubdirectory("confide-outage-").FullName;
            var disk = await SmallDisk.MountAsync(Path.Combine(dataDirectory, "regions", "eu"), megabytes: 32);
            return new Outage(await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, configure: Capture), disk, null, dataDirectory);
        }

        public async Task BreakAsync()
        {
            if (_proxy is not null)
            {
                _proxy.Cut();
                return;
            }

            // Empty the WAL into the database first, so that the next commit needs new blocks
            // (a WAL keeps its size and is reused: writes into it would not notice the disk).
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_disk!.Path, "confide.db")};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                var deadline = DateTime.UtcNow.AddSeconds(30);
                // The first column says whether a reader or the writer was in the way (the server's
                // background bookkeeping may be writing): then try again.
                while (Convert.ToInt32(await checkpoint.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) != 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the WAL could not be checkpointed within 30 s");
                }
            }

            _disk.Fill();
        }

        public void Restore()
        {
            _proxy?.Restore();
            _disk?.Free();
        }

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            if (_proxy is not null)
            {
                await _proxy.DisposeAsync();
            }

            _disk?.Dispose();
            if (_dataDirectory is not null)
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }
}
