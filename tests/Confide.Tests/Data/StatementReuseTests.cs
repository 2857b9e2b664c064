using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Data;

/// <summary>
/// SQLite reads run on connections kept open (read lanes) whose statements are compiled once and
/// reused; these check that reuse never mixes up two executions and that lanes are given back.
/// </summary>
public sealed class StatementReuseTests(Servers servers)
{
    [Fact]
    public async Task TheSameQuery_RunInsideItsOwnOpenReader_ReadsBothCorrectly()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cell = server.Cell(Region.Eu);
        await SeedContactsAsync(cell, workspace.Id, 5);

        await using var db = cell.CreateReadContext();
        var outer = new List<string>();
        var inner = new List<int>();
        // The outer reader stays open while the same SQL runs again on the same connection.
        await foreach (var contact in db.Contacts.Where(c => c.WorkspaceId == workspace.Id).OrderBy(c => c.EmailLookup).AsAsyncEnumerable())
        {
            outer.Add(contact.EmailLookup!);
            inner.Add(await db.Contacts.Where(c => c.WorkspaceId == workspace.Id).OrderBy(c => c.EmailLookup).CountAsync());
            var again = await db.Contacts.Where(c => c.WorkspaceId == workspace.Id).OrderBy(c => c.EmailLookup).ToListAsync();
            Assert.Equal(5, again.Count);
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"reuse-{i}"), outer);
        Assert.All(inner, count => Assert.Equal(5, count));
    }

    [Fact]
    public void ARepeatedStatement_ReusesOneCommand_AndAStatementInUseGetsAOneOff()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        SqliteStatementCache.Attach(connection);
        var cache = SqliteStatementCache.For(connection)!;

        var first = cache.Rent("SELECT 1");
        Assert.Equal(1L, first.ExecuteScalar());
        cache.Return(first);
        // Run again: the same command, its statement still compiled.
        var second = cache.Rent("SELECT 1");
        Assert.Same(first, second);
        // While it is lent out, the same text gets a one-off command instead.
        var oneOff = cache.Rent("SELECT 1");
        Assert.NotSame(second, oneOff);
        Assert.Equal(1L, oneOff.ExecuteScalar());
        cache.Return(oneOff);
        cache.Return(second);
    }

    [Fact]
    public async Task ManyConcurrentReaders_AllSucceed_AndLanesAreGivenBack()
    {
        var directory = Directory.CreateTempSubdirectory("confide-lanes-");
        try
        {
            await using var cell = CellDatabase.ForSqliteFile(Region.Eu, Path.Combine(directory.FullName, "eu.db"), TimeProvider.System);
            await cell.MigrateAsync();
            var workspaceId = "eu_lanes";
            await cell.Writer.WriteAsync((db, _) =>
            {
                db.Workspaces.Add(new Workspace { Id = workspaceId, Name = "Lanes", Region = "eu", CreatedAt = TimeProvider.System.GetUtcNow() });
                return Task.CompletedTask;
            });
            await SeedContactsAsync(cell, workspaceId, 3);

            // More contexts at once than there are lanes: the rest fall back to ordinary connections.
            var contexts = Enumerable.Range(0, 80).Select(_ => cell.CreateReadContext()).ToList();
            var counts = await Task.WhenAll(contexts.Select(db => Task.Run(() => db.Contacts.CountAsync(c => c.WorkspaceId == workspaceId))));
            Assert.All(counts, count => Assert.Equal(3, count));
            Assert.Contains(contexts, db => SqliteStatementCache.For((SqliteConnection)db.Database.GetDbConnection()) is null);
            Assert.Contains(contexts, db => SqliteStatementCache.For((SqliteConnection)db.Database.GetDbConnection()) is not null);
            foreach (var db in contexts)
            {
                await db.DisposeAsync();
            }

            // Given back: a new context runs on a lane again, on an open connection.
            await using var again = cell.CreateReadContext();
            var connection = (SqliteConnection)again.Database.GetDbConnection();
            Assert.NotNull(SqliteStatementCache.For(connection));
            Assert.Equal(System.Data.ConnectionState.Open, connection.State);
            Assert.Equal(3, await again.Contacts.CountAsync(c => c.WorkspaceId == workspaceId));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static Task SeedContactsAsync(CellDatabase cell, string workspaceId, int count) =>
        cell.Writer.WriteAsync((db, _) =>
        {
            var now = TimeProvider.System.GetUtcNow();
            for (var i = 0; i < count; i++)
            {
                db.Contacts.Add(new Contact { Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspaceId, Role = "lead", EmailLookup = $"reuse-{i}", CreatedAt = now, UpdatedAt = now });
            }

            return Task.CompletedTask;
        });
}
