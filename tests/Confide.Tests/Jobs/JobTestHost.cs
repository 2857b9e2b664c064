using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Confide.Tests.Jobs;

/// <summary>
/// One cell database (a SQLite file or a fresh PostgreSQL database) that several job hosts share,
/// as several processes of one region would; dropped on dispose.
/// </summary>
public sealed class JobDatabase : IAsyncDisposable
{
    private JobDatabase(string dataDirectory, string? postgres)
    {
        DataDirectory = dataDirectory;
        Postgres = postgres;
    }

    public string DataDirectory { get; }

    public string? Postgres { get; }

    private bool Owned { get; init; } = true;

    public static async Task<JobDatabase> CreateAsync(string provider) =>
        new(Directory.CreateTempSubdirectory("confide-jobs-").FullName, await TestPostgres.DatabaseForAsync(provider));

    /// <summary>The database another test process created (it stays when this one is disposed).</summary>
    public static JobDatabase Open(string dataDirectory, string? postgres) => new(dataDirectory, postgres) { Owned = false };

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!Owned)
        {
            return;
        }

        if (Postgres is not null)
        {
            await TestPostgres.DropDatabaseAsync(Postgres);
        }

        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>
/// What a separate process would be for the job runner: its own service provider, cell registry
/// (so its own writer and connections) and runner with its own lease owner id, on a shared database.
/// Only the eu cell is served.
/// </summary>
public sealed class JobTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private JobTestHost(IHost host, string name, CapturedLogs logs)
    {
        _host = host;
        Name = name;
        Logs = logs;
    }

    public string Name { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _host.Services;

    public CellDatabase Cell => Services.GetRequiredService<CellRegistry>().Get(Region.Eu);

    public JobQueue Queue => Services.GetRequiredService<JobQueue>();

    public JobRunner Runner => Services.GetRequiredService<JobRunner>();

    /// <param name="handlers">Registers the host's job handlers.</param>
    /// <param name="settings">Extra <c>Confide:Jobs:*</c> settings (key without the section).</param>
    public static async Task<JobTestHost> StartAsync(
        JobDatabase database, string name, Action<IServiceCollection> handlers, TimeProvider? time = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var configuration = new Dictionary<string, string?>
        {
            ["Confide:DataDirectory"] = database.DataDirectory,
            ["Confide:Serve:0"] = Region.Eu.Code,
            ["Confide:Regions:eu:Postgres"] = database.Postgres,
            ["Confide:Jobs:PollInterval"] = "00:00:00.100",
            ["Confide:Jobs:RetryDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            configuration[$"Confide:Jobs:{key}"] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddConfideData();
        builder.Services.AddConfideJobs();
        handlers(builder.Services);
        var host = builder.Build();
        await host.Services.GetRequiredService<CellRegistry>().Get(Region.Eu).MigrateAsync();
        await host.StartAsync();
        return new JobTestHost(host, name, logs);
    }

    /// <summary>A workspace row for the test handlers' per-step rows to belong to.</summary>
    public async Task<string> CreateWorkspaceAsync()
    {
        var id = PublicIds.NewWorkspaceId(Region.Eu);
        await Cell.Writer.WriteAsync((db, _) =>
        {
            db.Workspaces.Add(new Workspace { Id = id, Region = Region.Eu.Code, Name = "Jobs", CreatedAt = DateTimeOffset.UnixEpoch });
            return Task.CompletedTask;
        });
        return id;
    }

    public Task<JobSummary?> GetAsync(string jobId) => JobQueries.GetAsync(Cell, jobId, workspaceId: null, CancellationToken.None);

    /// <summary>Waits (polling, with a timeout) until the job reaches <paramref name="state"/>.</summary>
    public Task<JobSummary?> WaitForStateAsync(string jobId, string state, int seconds = 60) =>
        Poll.UntilAsync(() => GetAsync(jobId), job => job?.State == state, TimeSpan.FromSeconds(seconds), $"job {jobId} {state}");

    /// <summary>Waits (polling, with a timeout) until the job committed at least <paramref name="atLeast"/> of its progress.</summary>
    public Task<JobSummary?> WaitForProgressAsync(string jobId, long atLeast, TimeSpan timeout) =>
        Poll.UntilAsync(() => GetAsync(jobId), job => job?.ProgressDone >= atLeast, timeout, $"job {jobId} at {atLeast}");

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
