using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>
/// Runs one retention rule as the sweep does, without it: batches until the rule answers null,
/// each batch's write in the cell's writer. Also the rules' shared test chores (a hold, a clock moved in the database).
/// </summary>
internal static class RetentionRuleRunner
{
    public static TRule Rule<TRule>(this TestServer server)
        where TRule : IRetentionRule =>
        server.Services.GetServices<IRetentionRule>().OfType<TRule>().Single();

    public static RetentionScope Scope(this TestWorkspace workspace, DateTimeOffset now, int afterDays) =>
        new(workspace.Server.Cell(workspace.Region), workspace.Id, now, afterDays);

    /// <summary>Every batch until none is left; returns the items counted.</summary>
    public static async Task<long> RunAsync(this IRetentionRule rule, RetentionScope scope, int batchSize = 100)
    {
        long count = 0;
        for (var batches = 0; ; batches++)
        {
            Assert.True(batches < 10_000, "the rule never ran out of batches");
            if (await rule.NextBatchAsync(scope, batchSize, CancellationToken.None) is not { } batch)
            {
                return count;
            }

            if (batch.Write is { } write)
            {
                await scope.Cell.Writer.WriteAsync(write, CancellationToken.None);
            }

            count += batch.Count;
        }
    }

    public static async Task HoldAsync(this TestWorkspace workspace, string targetType, string targetId, DateTimeOffset? until = null)
    {
        var now = DateTimeOffset.UtcNow;
        await workspace.Server.Cell(workspace.Region).Writer.WriteAsync((db, _) =>
        {
            db.LegalHolds.Add(new LegalHold
            {
                Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspace.Id, TargetType = targetType, TargetId = targetId,
                SetByType = "admin", SetById = workspace.OwnerId, CreatedAt = now, Until = until,
            });
            return Task.CompletedTask;
        });
    }

    public static async Task<T> ReadAsync<T>(this TestWorkspace workspace, Func<ConfideDbContext, Task<T>> read)
    {
        await using var db = workspace.Server.Cell(workspace.Region).CreateReadContext();
        return await read(db);
    }

    public static Task WriteAsync(this TestWorkspace workspace, Func<ConfideDbContext, Task> write) =>
        workspace.Server.Cell(workspace.Region).Writer.WriteAsync((db, _) => write(db));
}
