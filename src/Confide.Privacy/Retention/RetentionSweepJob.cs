using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Retention;

/// <summary>
/// <c>retention.sweep</c>: one region's daily retention run (docs/retention.md). Walks the
/// region's workspaces in id order (the cursor is in the checkpoint), passing over those deleted,
/// scheduled for deletion or under a workspace legal hold; runs each of a workspace's enabled
/// rules through <see cref="IRetentionRule.NextBatchAsync"/> until it has nothing left, one batch
/// per step, and records one <c>retention_run</c> activity entry per workspace when its rules are
/// done; then runs every <see cref="IRetentionHousekeeping"/> the same way. Progress and counts
/// are in the <see cref="RetentionRun"/> row. When the region's sweeps are paused the job ends at
/// its next step, leaving its checkpoint in the run row for the job that resumes it.
/// </summary>
internal sealed partial class RetentionSweepJob(
    RetentionRules rules, IEnumerable<IRetentionHousekeeping> housekeeping, ActivityLog log, RegionSigningKeys signingKeys, IOptions<RetentionOptions> options,
    TimeProvider time, ILogger<RetentionSweepJob> logger) : IJobHandler
{
    public const string JobKind = "retention.sweep";

    /// <summary>Workspaces and rules passed over in one step when they have nothing to delete (reads only).</summary>
    private const int MaxIdleMovesPerStep = 200;

    private readonly IReadOnlyList<IRetentionHousekeeping> _housekeeping = [.. housekeeping.OrderBy(h => h.Name, StringComparer.Ordinal)];

    public string Kind => JobKind;

    /// <summary>Yields to live traffic: the sweep is busy at most <see cref="RetentionOptions.BusyShare"/> of the time.</summary>
    public TimeSpan PauseAfterStep(TimeSpan stepTook) => options.Value.PauseAfter(stepTook);

    public static JobRequest Scheduled(DateOnly day) =>
        new(JobKind, Payload: """{"trigger":"schedule"}""", DeduplicationKey: $"retention:{day:yyyy-MM-dd}");

    public static JobRequest Manual(DateTimeOffset now) =>
        new(JobKind, Payload: """{"trigger":"manual"}""", DeduplicationKey: $"retention:manual:{now.ToUnixTimeMilliseconds()}");

    public static JobRequest Resume(string runId, DateTimeOffset now) =>
        new(JobKind, Payload: $$"""{"run":"{{runId}}"}""", DeduplicationKey: $"retention:resume:{runId}:{now.ToUnixTimeMilliseconds()}");

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        var cell = context.Cell;
        if (context.Checkpoint is null)
        {
            return await StartAsync(context, cancellationToken);
        }

        var state = JsonSerializer.Deserialize<SweepCheckpoint>(context.Checkpoint)!;
        if (await RetentionControls.IsPausedAsync(cell, cancellationToken))
        {
            LogPaused(logger, cell.Region.Code, state.Run);
            var paused = JsonSerializer.Serialize(state);
            return JobStepResult.Completed(context.ProgressDone, write: (db, ct) => UpdateRunAsync(db, state, RetentionRunStates.Paused, paused, finished: null, ct));
        }

        var now = DateTimeOffset.FromUnixTimeMilliseconds(state.StartedAt);
        var batchSize = options.Value.BatchSizeFor(cell.Provider);
        for (var moves = 0; moves < MaxIdleMovesPerStep; moves++)
        {
            if (state.Phase == SweepCheckpoint.Workspaces)
            {
                if (state.Workspace is null)
                {
                    await NextWorkspaceAsync(cell, state, cancellationToken);
                    continue;
                }

                if (!await StillDueAsync(cell, state, cancellationToken))
                {
                    continue;
                }

                if (state.RuleIndex >= state.Rules.Count)
                {
                    return await FinishWorkspaceAsync(context, state, now, cancellationToken);
                }

                var step = state.Rules[state.RuleIndex];
                var rule = rules.Find(step.Subject);
                var batch = rule is null ? null : await rule.NextBatchAsync(new RetentionScope(cell, state.Workspace, now, step.AfterDays), batchSize, cancellationToken);
                if (batch is null)
                {
                    state.RuleIndex++;
                    continue;
                }

                state.WorkspaceCounts[step.Subject] = state.WorkspaceCounts.GetValueOrDefault(step.Subject) + batch.Count;
                state.Totals[step.Subject] = state.Totals.GetValueOrDefault(step.Subject) + batch.Count;
                return More(context, state, batch);
            }

            if (state.HousekeepingIndex >= _housekeeping.Count)
            {
                await DeletedDataScrub.RunAsync(cell, logger, cancellationToken);
                LogCompleted(logger, cell.Region.Code, state.Run, state.WorkspacesDone, context.ProgressDone);
                return JobStepResult.Completed(context.ProgressDone, write: (db, ct) => UpdateRunAsync(db, state, RetentionRunStates.Completed, null, time.GetUtcNow(), ct));
            }

            var cleanup = _housekeeping[state.HousekeepingIndex];
            var rows = await cleanup.NextBatchAsync(cell, now, batchSize, cancellationToken);
            if (rows is null)
            {
                state.HousekeepingIndex++;
                continue;
            }

            state.Totals[cleanup.Name] = state.Totals.GetValueOrDefault(cleanup.Name) + rows.Count;
            return More(context, state, rows);
        }

        // Many workspaces with nothing to do: commit the cursor and go on in the next step.
        return JobStepResult.More(JsonSerializer.Serialize(state), context.ProgressDone, write: (db, ct) => UpdateRunAsync(db, state, RetentionRunStates.Running, null, null, ct));
    }

    private static JobStepResult More(JobContext context, SweepCheckpoint state, RetentionBatch batch) =>
        JobStepResult.More(JsonSerializer.Serialize(state), context.ProgressDone + batch.Count, write: async (db, ct) =>
        {
            if (batch.Write is { } write)
            {
                await write(db, ct);
            }

            await UpdateRunAsync(db, state, RetentionRunStates.Running, null, null, ct);
        });

    /// <summary>The first step: a new run, or the paused run named in the payload.</summary>
    private async Task<JobStepResult> StartAsync(JobContext context, CancellationToken ct)
    {
        using var payload = JsonDocument.Parse(context.Payload ?? "{}");
        if (payload.RootElement.TryGetProperty("run", out var runProperty) && runProperty.GetString() is { } runId)
        {
            await using var db = context.Cell.CreateReadContext();
            var run = await db.RetentionRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
            if (run?.Checkpoint is null)
            {
                return JobStepResult.Failed("retention.nothing_to_resume");
            }

            var resumed = JsonSerializer.Deserialize<SweepCheckpoint>(run.Checkpoint)!;
            LogResumed(logger, context.Cell.Region.Code, runId);
            return JobStepResult.More(run.Checkpoint, context.ProgressDone, write: (w, token) =>
                w.RetentionRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(
                    s => s.SetProperty(r => r.JobId, context.JobId).SetProperty(r => r.State, RetentionRunStates.Running).SetProperty(r => r.Checkpoint, (string?)null), token));
        }

        var trigger = payload.RootElement.TryGetProperty("trigger", out var t) && t.GetString() == "manual" ? "manual" : "schedule";
        var now = time.GetUtcNow();
        var state = new SweepCheckpoint { Run = PublicIds.NewEntityId(time), StartedAt = now.ToUnixTimeMilliseconds() };
        return JobStepResult.More(JsonSerializer.Serialize(state), 0, write: (db, _) =>
        {
            db.RetentionRuns.Add(new RetentionRun
            {
                Id = state.Run,
                Region = context.Cell.Region.Code,
                JobId = context.JobId,
                Trigger = trigger,
                StartedAt = now,
                State = RetentionRunStates.Running,
            });
            return Task.CompletedTask;
        });
    }

    private async Task NextWorkspaceAsync(CellDatabase cell, SweepCheckpoint state, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var after = state.After ?? "";
        var next = await db.Workspaces.AsNoTracking()
            .Where(w => string.Compare(w.Id, after) > 0 && w.DeletedAt == null && w.DeletionDueAt == null)
            .OrderBy(w => w.Id).Select(w => w.Id).FirstOrDefaultAsync(ct);
        if (next is null)
        {
            state.Phase = SweepCheckpoint.Housekeeping;
            return;
        }

        state.After = next;
        if (await db.IsWorkspaceHeldAsync(next, time.GetUtcNow(), ct))
        {
            state.WorkspacesHeld++;
            return;
        }

        var settings = await db.RetentionRuleSettings.AsNoTracking().Where(s => s.WorkspaceId == next).ToListAsync(ct);
        var enabled = rules.Resolve(settings).Where(r => r.Enabled).Select(r => new SweepRule(r.Subject, r.AfterDays)).ToList();
        if (enabled.Count == 0)
        {
            return;
        }

        state.Workspace = next;
        state.Rules = enabled;
        state.RuleIndex = 0;
        state.WorkspaceCounts = [];
    }

    /// <summary>Whether the current workspace may still be swept: not deleted, scheduled for deletion or held since it was picked. If not, it is left without an entry.</summary>
    private async Task<bool> StillDueAsync(CellDatabase cell, SweepCheckpoint state, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var workspaceId = state.Workspace!;
        var open = await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.DeletedAt == null && w.DeletionDueAt == null, ct);
        var held = open && await db.IsWorkspaceHeldAsync(workspaceId, time.GetUtcNow(), ct);
        if (open && !held)
        {
            return true;
        }

        if (held)
        {
            state.WorkspacesHeld++;
        }

        state.Workspace = null;
        return false;
    }

    /// <summary>The workspace's rules are done: its activity entry and its run record with the signed receipt, committed with the cursor's move.</summary>
    private async Task<JobStepResult> FinishWorkspaceAsync(JobContext context, SweepCheckpoint state, DateTimeOffset now, CancellationToken ct)
    {
        // Read before the writer; the signature itself (no I/O) is made in the write, once the entry's id and index are known.
        var signer = await signingKeys.SignerAsync(context.Cell, SigningKeyPurposes.ActivityLog, ct);
        var workspaceId = state.Workspace!;
        var counts = new JsonObject();
        foreach (var rule in state.Rules)
        {
            counts[rule.Subject] = new JsonObject
            {
                ["after_days"] = rule.AfterDays,
                ["cutoff"] = now.AddDays(-rule.AfterDays).ToUnixTimeSeconds(),
                ["deleted"] = state.WorkspaceCounts.GetValueOrDefault(rule.Subject),
            };
        }

        var deleted = state.WorkspaceCounts.Values.Sum();
        var countsJson = counts.ToJsonString();
        var runId = state.Run;
        state.WorkspacesDone++;
        state.Workspace = null;
        state.Rules = [];
        state.RuleIndex = 0;
        state.WorkspaceCounts = [];
        var cell = context.Cell;
        return JobStepResult.More(JsonSerializer.Serialize(state), context.ProgressDone, write: async (db, token) =>
        {
            var entry = await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.RetentionRun, ActivityActor.Confide,
                $"The retention policy ran: {deleted} item(s) deleted.",
                new ActivityTarget("workspace", workspaceId),
                new JsonObject { ["run_id"] = runId, ["started_at"] = now.ToUnixTimeSeconds(), ["rules"] = JsonNode.Parse(countsJson) }), token);
            var finished = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
            var started = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
            var unsigned = new RetentionWorkspaceRun
            {
                WorkspaceId = workspaceId,
                RunId = runId,
                StartedAt = started,
                FinishedAt = finished,
                Counts = countsJson,
                ActivityEntryId = entry.Id,
                ActivityLogLeafIndex = entry.Sequence,
                SigningKeyId = signer.KeyId,
                Signature = [],
            };
            var document = RetentionReceiptDocument.From(unsigned, cell.Region.Code);
            db.RetentionWorkspaceRuns.Add(new RetentionWorkspaceRun
            {
                WorkspaceId = workspaceId,
                RunId = runId,
                StartedAt = started,
                FinishedAt = finished,
                Counts = countsJson,
                ActivityEntryId = entry.Id,
                ActivityLogLeafIndex = entry.Sequence,
                SigningKeyId = signer.KeyId,
                Signature = signer.Sign(document.SignedBytes()),
            });
            await UpdateRunAsync(db, state, RetentionRunStates.Running, null, null, token);
        });
    }

    private static Task<int> UpdateRunAsync(ConfideDbContext db, SweepCheckpoint state, string runState, string? checkpoint, DateTimeOffset? finished, CancellationToken ct)
    {
        var counts = JsonSerializer.Serialize(new SortedDictionary<string, long>(state.Totals, StringComparer.Ordinal));
        return db.RetentionRuns.Where(r => r.Id == state.Run).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.State, runState)
                .SetProperty(r => r.Counts, counts)
                .SetProperty(r => r.WorkspacesDone, state.WorkspacesDone)
                .SetProperty(r => r.WorkspacesHeld, state.WorkspacesHeld)
                .SetProperty(r => r.Checkpoint, checkpoint)
                .SetProperty(r => r.FinishedAt, finished),
            ct);
    }

    [LoggerMessage(EventId = 4800, EventName = "RetentionSweepPaused", Level = LogLevel.Information, Message = "The retention sweep {RunId} of region {Region} stopped: sweeps are paused; it resumes from its checkpoint when they are resumed")]
    private static partial void LogPaused(ILogger logger, string region, string runId);

    [LoggerMessage(EventId = 4801, EventName = "RetentionSweepResumed", Level = LogLevel.Information, Message = "The retention sweep {RunId} of region {Region} resumes from its checkpoint")]
    private static partial void LogResumed(ILogger logger, string region, string runId);

    [LoggerMessage(EventId = 4802, EventName = "RetentionSweepCompleted", Level = LogLevel.Information, Message = "The retention sweep {RunId} of region {Region} finished: {Workspaces} workspace(s), {Deleted} item(s) deleted")]
    private static partial void LogCompleted(ILogger logger, string region, string runId, long workspaces, long deleted);
}

/// <summary>A sweep's checkpoint: ids and counts only.</summary>
internal sealed class SweepCheckpoint
{
    public const string Workspaces = "workspaces";
    public const string Housekeeping = "housekeeping";

    public string Run { get; set; } = "";

    public long StartedAt { get; set; }

    public string Phase { get; set; } = Workspaces;

    /// <summary>The last workspace picked (done, passed over or under way).</summary>
    public string? After { get; set; }

    /// <summary>The workspace whose rules are under way.</summary>
    public string? Workspace { get; set; }

    /// <summary>The workspace's enabled rules as they were when it was picked.</summary>
    public List<SweepRule> Rules { get; set; } = [];

    public int RuleIndex { get; set; }

    public Dictionary<string, long> WorkspaceCounts { get; set; } = [];

    public Dictionary<string, long> Totals { get; set; } = [];

    public int HousekeepingIndex { get; set; }

    public long WorkspacesDone { get; set; }

    public long WorkspacesHeld { get; set; }
}

internal sealed record SweepRule(string Subject, int AfterDays);
