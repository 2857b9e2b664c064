using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Cli;

/// <summary>Records what an operator command did in the activity logs of the workspaces it affected.</summary>
internal static class CommandLineActivity
{
    /// <summary>One entry in each of <paramref name="workspaceIds"/> (every workspace of the region when null), all in one transaction.</summary>
    public static async Task RecordAsync(IServiceProvider services, CellDatabase cell, IReadOnlyList<string>? workspaceIds, string activityType, string description, ActivityTarget? target, JsonObject metadata, CancellationToken ct)
    {
        var log = services.GetRequiredService<ActivityLog>();
        await cell.Writer.WriteAsync(async (db, token) =>
        {
            var workspaces = workspaceIds ?? await db.Workspaces.OrderBy(w => w.Id).Select(w => w.Id).ToListAsync(token);
            foreach (var workspaceId in workspaces)
            {
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    activityType, ActivityActor.CommandLine, description, target ?? new ActivityTarget("workspace", workspaceId), (JsonObject)metadata.DeepClone()), token);
            }
        }, ct);
    }

    public static JsonArray Ids(IEnumerable<Guid> ids) => [.. ids.Select(id => JsonValue.Create(id.ToString()))];
}
