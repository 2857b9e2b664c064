using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Retention;

/// <summary>A region's retention sweeps: paused or not, the run under way, the last runs and when the next is due.</summary>
public sealed record RetentionRegionStatus(
    string Region, bool Paused, DateTimeOffset? PausedAt, string? PausedBy, RetentionRunView? Current, IReadOnlyList<RetentionRunView> LastRuns, DateTimeOffset? NextRunAt)
{
    public JsonObject ToJson() => new()
    {
        ["region"] = Region,
        ["paused"] = Paused,
        ["paused_at"] = PausedAt?.ToUnixTimeSeconds(),
        ["paused_by"] = PausedBy,
        ["current_run"] = Current?.ToJson(),
        ["last_runs"] = new JsonArray([.. LastRuns.Select(r => (JsonNode)r.ToJson())]),
        ["next_run_at"] = NextRunAt?.ToUnixTimeSeconds(),
    };
}

/// <summary>One run as shown to operators and teammates: ids, times and counts.</summary>
public sealed record RetentionRunView(string Id, string Trigger, string State, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, long WorkspacesDone, long WorkspacesHeld, IReadOnlyDictionary<string, long> Counts)
{
    internal static RetentionRunView Of(RetentionRun run) => new(
        run.Id, run.Trigger, run.State, run.StartedAt, run.FinishedAt, run.WorkspacesDone, run.WorkspacesHeld,
        JsonSerializer.Deserialize<SortedDictionary<string, long>>(run.Counts) ?? []);

    public long Deleted => Counts.Values.Sum();

    public JsonObject ToJson()
    {
        var counts = new JsonObject();
        foreach (var (name, count) in Counts)
        {
            counts[name] = count;
        }

        return new JsonObject
        {
            ["id"] = Id,
            ["trigger"] = Trigger,
            ["state"] = State,
            ["started_at"] = StartedAt.ToUnixTimeSeconds(),
            ["finished_at"] = FinishedAt?.ToUnixTimeSeconds(),
            ["workspaces_done"] = WorkspacesDone,
            ["workspaces_held"] = WorkspacesHeld,
            ["counts"] = counts,
        };
    }
}

/// <summary>What the last run did in one workspace.</summary>
public sealed record RetentionWorkspaceRunView(string RunId, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, JsonObject Rules, RetentionReceiptDocument Receipt)
{
    public JsonObject ToJson() => new()
    {
        ["run_id"] = RunId,
        ["started_at"] = StartedAt.ToUnixTimeSeconds(),
        ["finished_at"] = FinishedAt.ToUnixTimeSeconds(),
        ["rules"] = Rules.DeepClone(),
        ["receipt"] = JsonNode.Parse(Receipt.ToJson()),
    };

    /// <summary>Items deleted by <paramref name="subject"/> in that run; null when the rule did not run.</summary>
    public long? Deleted(string subject) => Rules[subject]?["deleted"]?.GetValue<long>();
}

/// <summary>Reads the retention status for the CLI, the API and the settings page. Reads only; needs no key.</summary>
public sealed class RetentionStatusQueries(IOptions<RetentionOptions> options, TimeProvider time)
{
    public async Task<RetentionRegionStatus> RegionAsync(CellDatabase cell, int lastRuns, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var region = cell.Region.Code;
        var control = await db.RetentionControls.AsNoTracking().FirstOrDefaultAsync(c => c.Region == region, ct);
        var runs = await db.RetentionRuns.AsNoTracking().Where(r => r.Region == region).OrderByDescending(r => r.StartedAt).Take(lastRuns + 1).ToListAsync(ct);
        // A run whose job failed or was cancelled never finished: it shows as failed, not as under way.
        var jobIds = runs.Where(r => r.State == RetentionRunStates.Running).Select(r => r.JobId).ToList();
        var ended = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id) && (j.State == JobStates.Failed || j.State == JobStates.Cancelled)).Select(j => j.Id).ToListAsync(ct);
        foreach (var run in runs.Where(r => r.State == RetentionRunStates.Running && ended.Contains(r.JobId)))
        {
            run.State = RetentionRunStates.Failed;
        }

        var current = runs.FirstOrDefault(r => r.State is RetentionRunStates.Running or RetentionRunStates.Paused);
        var now = time.GetUtcNow();
        var todayKey = RetentionScheduler.DayKey(DateOnly.FromDateTime(now.UtcDateTime));
        var todayDone = await db.Jobs.AnyAsync(j => j.Kind == RetentionSweepJob.JobKind && j.WorkspaceId == null && j.DeduplicationKey == todayKey, ct);
        var paused = control?.PausedAt is not null;
        return new RetentionRegionStatus(
            region, paused, control?.PausedAt, control?.PausedBy,
            current is null ? null : RetentionRunView.Of(current),
            [.. runs.Where(r => r != current).Take(lastRuns).Select(RetentionRunView.Of)],
            paused || !options.Value.Schedule ? null : RetentionScheduler.NextRunAt(now, options.Value.RunAt, todayDone));
    }

    public static async Task<RetentionWorkspaceRunView?> LastWorkspaceRunAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var last = await db.RetentionWorkspaceRuns.AsNoTracking().Where(r => r.WorkspaceId == workspaceId).OrderByDescending(r => r.FinishedAt).FirstOrDefaultAsync(ct);
        return last is null ? null : new RetentionWorkspaceRunView(last.RunId, last.StartedAt, last.FinishedAt, JsonNode.Parse(last.Counts)!.AsObject(), RetentionReceiptDocument.From(last, cell.Region.Code));
    }

    /// <summary>Whether a sweep is queued or under way in the region.</summary>
    public static async Task<bool> ActiveAsync(CellDatabase cell, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return await db.Jobs.AnyAsync(j => j.Kind == RetentionSweepJob.JobKind && j.WorkspaceId == null && (j.State == JobStates.Queued || j.State == JobStates.Running), ct);
    }
}
