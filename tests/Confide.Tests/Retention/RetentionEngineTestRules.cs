using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>
/// A rule for the engine's tests only: deletes a workspace's tags created before the cutoff, in
/// batches, leaving those under a legal hold's workspace alone (the scheduler passes over them).
/// </summary>
internal sealed class TestTagRule : IRetentionRule
{
    public const string Name = "test_tag";

    public string Subject => Name;

    public bool BuiltIn => false;

    public int DefaultAfterDays => 30;

    public async Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken)
    {
        await using var db = scope.Cell.CreateReadContext();
        var due = Due(db, scope);
        return new RetentionPreview(await due.LongCountAsync(cancellationToken), await due.OrderBy(t => t.Id).Select(t => t.Id).Take(sampleSize).ToListAsync(cancellationToken));
    }

    public async Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken)
    {
        await using var db = scope.Cell.CreateReadContext();
        var ids = await Due(db, scope).OrderBy(t => t.Id).Select(t => t.Id).Take(batchSize).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return null;
        }

        var workspaceId = scope.WorkspaceId;
        return new RetentionBatch(ids.Count, (w, ct) => w.Tags.Where(t => t.WorkspaceId == workspaceId && ids.Contains(t.Id)).ExecuteDeleteAsync(ct));
    }

    private static IQueryable<Tag> Due(ConfideDbContext db, RetentionScope scope)
    {
        var cutoff = scope.Cutoff;
        var workspaceId = scope.WorkspaceId;
        return db.Tags.Where(t => t.WorkspaceId == workspaceId && t.CreatedAt < cutoff);
    }

    /// <summary>Adds tags created <paramref name="daysAgo"/> days ago, directly in the database.</summary>
    public static async Task<IReadOnlyList<string>> SeedAsync(CellDatabase cell, string workspaceId, int count, int daysAgo)
    {
        var ids = Enumerable.Range(0, count).Select(_ => PublicIds.NewEntityId(TimeProvider.System)).ToList();
        var created = DateTimeOffset.UtcNow.AddDays(-daysAgo);
        await cell.Writer.WriteAsync((db, _) =>
        {
            db.Tags.AddRange(ids.Select(id => new Tag { Id = id, WorkspaceId = workspaceId, Name = "t-" + id, CreatedAt = created }));
            return Task.CompletedTask;
        });
        return ids;
    }

    public static async Task<int> CountAsync(CellDatabase cell, string workspaceId)
    {
        await using var db = cell.CreateReadContext();
        return await db.Tags.CountAsync(t => t.WorkspaceId == workspaceId);
    }
}

/// <summary>A built-in rule for the engine's tests: on everywhere, 100 days by default, never anything to delete.</summary>
internal sealed class TestBuiltInRule : IRetentionRule
{
    public const string Name = "test_builtin";

    public string Subject => Name;

    public bool BuiltIn => true;

    public int DefaultAfterDays => 100;

    public Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken) =>
        Task.FromResult(new RetentionPreview(0, []));

    public Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken) =>
        Task.FromResult<RetentionBatch?>(null);
}

/// <summary>Servers with the engine's test rules registered, one per provider, shared by a test class.</summary>
public sealed class RetentionServers : IAsyncDisposable
{
    private readonly Dictionary<string, Lazy<Task<TestServer>>> _servers = new()
    {
        [Providers.Sqlite] = new(() => StartAsync(Providers.Sqlite)),
        [Providers.Postgres] = new(() => StartAsync(Providers.Postgres)),
    };

    public static void AddTestRules(WebApplicationBuilder builder)
    {
        builder.Services.AddRetentionRule<TestTagRule>();
        builder.Services.AddRetentionRule<TestBuiltInRule>();
        builder.Services.AddRetentionHousekeeping<TestHousekeeping>();
    }

    public static Task<TestServer> StartAsync(string provider, IEnumerable<string>? settings = null, string? dataDirectory = null, string? postgres = null, Action<WebApplicationBuilder>? configure = null) =>
        TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres, settings: settings, configure: b =>
        {
            AddTestRules(b);
            configure?.Invoke(b);
        });

    public Task<TestServer> GetAsync(string provider)
    {
        SkipUnlessAvailable(provider);
        return _servers[provider].Value;
    }

    /// <summary>Skips, visibly, a PostgreSQL test when no server is configured (fails when one is required), as <see cref="Servers"/> does.</summary>
    public static void SkipUnlessAvailable(string provider)
    {
        if (provider == Providers.Postgres && TestPostgres.ConnectionString is null)
        {
            if (TestPostgres.Required)
            {
                Assert.Fail("CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
            }

            Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values.Where(s => s.IsValueCreated))
        {
            await (await server.Value).DisposeAsync();
        }
    }
}
