using System.Data.Common;
using Confide.Platform;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Confide.Data;

/// <summary>
/// The database of one regional cell: a SQLite file under the data directory or a PostgreSQL
/// cluster. Every context this class makes is bound to this cell's connection string, and
/// the writer serialises and group-commits this cell's writes.
/// </summary>
public sealed class CellDatabase : IAsyncDisposable
{
    private readonly Func<ConfideDbContext> _readContexts;
    private readonly SqliteReadLanes? _readLanes;
    private readonly DbContextOptions _trackingOptions;

    /// <param name="writeRetry">How long writes wait out a PostgreSQL failover before they fail (see <see cref="CellWriter"/>); 45 s when not given.</param>
    public CellDatabase(Region region, DatabaseProvider provider, string connectionString, TimeProvider time, TimeSpan? writeRetry = null)
    {
        Region = region;
        Provider = provider;
        ConnectionString = connectionString;
        Outage = new CellOutage(time, writeRetry ?? TimeSpan.FromSeconds(ConfideOptions.DefaultPostgresWriteRetrySeconds));
        // Read contexts never write, so they skip the per-open durability pragmas of the
        // SQLite interceptor (one statement less on every connection open).
        _readContexts = CellContextFactory.CreatePool(BuildOptions(ReadOnly, writes: false));
        if (provider == DatabaseProvider.Sqlite)
        {
            // Reads run on connections kept open, so their compiled statements are reused.
            _readLanes = new SqliteReadLanes(connectionString, connection => CellContextFactory.CreatePool(BuildOptions(ReadOnly, connection, writes: false)));
        }

        _trackingOptions = BuildOptions(_ => { });
        Writer = new CellWriter(this, time);
        Readiness = new CellReadiness(this, time);
    }

    public Region Region { get; }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    /// <summary>How long the PostgreSQL server has been out of reach; reads and writes wait out a short outage (a failover).</summary>
    public CellOutage Outage { get; }

    /// <summary>Serialised, group-committed writes; see <see cref="CellWriter"/>.</summary>
    public CellWriter Writer { get; }

    /// <summary>Whether this cell can take a durable write right now; see <see cref="CellReadiness"/>.</summary>
    public CellReadiness Readiness { get; }

    public static CellDatabase ForSqliteFile(Region region, string path, TimeProvider time)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        };
        return new CellDatabase(region, DatabaseProvider.Sqlite, builder.ToString(), time);
    }

    /// <summary>A context for queries: no change tracking; pooled, so dispose it promptly.</summary>
    public ConfideDbContext CreateReadContext() => _readLanes?.TryRent() ?? _readContexts();

    private static void ReadOnly(DbContextOptionsBuilder builder) => builder.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);

    /// <summary>A tracking context for framework code (ASP.NET Core Identity) that saves by itself.</summary>
    public ConfideDbContext CreateTrackingContext() => Create(_trackingOptions);

    internal DbConnection CreateConnection() => Provider switch
    {
        DatabaseProvider.Sqlite => new SqliteConnection(ConnectionString),
        _ => new NpgsqlConnection(ConnectionString),
    };

    /// <summary>Options for a context that runs on an already open connection (the writer's).</summary>
    internal DbContextOptions OptionsFor(DbConnection connection) =>
        BuildOptions(_ => { }, connection);

    private static ConfideDbContext Create(DbContextOptions options) => CellContextFactory.Create(options);

    /// <summary>Brings the schema up to date with this provider's migrations.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            var directory = Path.GetDirectoryName(new SqliteConnectionStringBuilder(ConnectionString).DataSource);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        await using var db = CreateTrackingContext();
        await db.Database.MigrateAsync(cancellationToken);
        if (Provider == DatabaseProvider.Sqlite)
        {
            // WAL is a property of the file and persists; set it once after creation.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    private DbContextOptions BuildOptions(Action<DbContextOptionsBuilder> configure, DbConnection? connection = null, bool writes = true)
    {
        DbContextOptionsBuilder builder = Provider switch
        {
            DatabaseProvider.Sqlite => connection is null
                ? new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite(ConnectionString)
                : new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite(connection),
            // Contexts on their own connections wait out a failover; the writer's (on its
            // connection, in its transaction) retries whole batches instead.
            _ => connection is null
                ? new DbContextOptionsBuilder<PostgresConfideDbContext>().UseNpgsql(
                    ConnectionString, npgsql => npgsql.ExecutionStrategy(dependencies => new CellExecutionStrategy(dependencies, Outage)))
                : new DbContextOptionsBuilder<PostgresConfideDbContext>().UseNpgsql(connection),
        };
        // A failing database call is logged once, classified, where it is answered (the HTTP
        // edge, the writer's caller); EF Core's own error events would add a stack trace per
        // failed command and can quote parameter values.
        builder.ConfigureWarnings(warnings => warnings.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.TransactionError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            // A contact being erased is filtered out while its notes, tags and parts are not: they
            // are reached only through it (or its conversations) and go in its purge.
            (CoreEventId.PossibleIncorrectRequiredNavigationWithQueryFilterInteractionWarning, LogLevel.Debug)));
        if (Provider == DatabaseProvider.Sqlite)
        {
            builder.AddInterceptors(StatementReuseInterceptor.Instance);
            if (writes)
            {
                builder.AddInterceptors(SqliteDurabilityInterceptor.Instance);
            }
        }

        configure(builder);
        return builder.Options;
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        _readLanes?.Dispose();
    }
}
