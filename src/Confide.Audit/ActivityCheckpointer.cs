using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Confide.Platform;

namespace Confide.Audit;

/// <summary>
/// Signs the tree head of every workspace whose activity log grew, every
/// <c>Confide:ActivityLog:CheckpointIntervalSeconds</c> (at most 60 s). It continues each tree
/// from the frontier stored with the previous checkpoint, so it reads only the new leaf hashes.
/// On start it also finds logs left ahead of their checkpoint (a crash, another process).
/// </summary>
public sealed partial class ActivityCheckpointer(
    CellRegistry cells,
    RegionSigningKeys signingKeys,
    PendingCheckpoints pending,
    IOptions<ConfideOptions> options,
    TimeProvider time,
    ILogger<ActivityCheckpointer> logger) : BackgroundService
{
    private const int LeafBatch = 10_000;

    /// <summary>While a database is down every round fails for every workspace the same way: log it once a window.</summary>
    private readonly LogRateLimiter _failureLog = new(time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var cell in cells.All)
            {
                await QueueLogsAheadOfCheckpointAsync(cell, stoppingToken);
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ActivityLog.CheckpointIntervalSeconds), time);
            do
            {
                await RunOnceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Checkpoints every queued workspace; returns how many checkpoints were written.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        foreach (var (region, workspaceId) in pending.Drain())
        {
            try
            {
                if (await CheckpointAsync(cells.Get(region), workspaceId, cancellationToken) is not null)
                {
                    written++;
                }
            }
            catch (CryptoIntegrityException ex)
            {
                // Not retried: a stored log that no longer adds up needs a person, not another attempt.
                // The start-up scan finds the workspace again after a restart.
                LogIntegrityFailure(logger, ex, region.Code, workspaceId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Try again next round; the entries themselves are committed and safe.
                pending.Add(region, workspaceId);
                var unavailable = DatabaseFailure.IsUnavailable(ex);
                if (_failureLog.ShouldLog(new LogKey("checkpoint_failed", ex.GetType().FullName, region.Code), out var suppressed))
                {
                    if (unavailable)
                    {
                        LogCheckpointDatabaseUnavailable(logger, region.Code, DatabaseFailure.ReasonOf(ex), suppressed);
                    }
                    else
                    {
                        LogCheckpointFailed(logger, ex, region.Code, suppressed);
                    }
                }
            }
        }

        return written;
    }

    /// <summary>Signs the workspace's current tree head, unless its last checkpoint already covers every entry.</summary>
    public async Task<ActivityLogCheckpoint?> CheckpointAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        ActivityLogCheckpoint? last;
        MerkleFrontier frontier;
        await using (var db = cell.CreateReadContext())
        {
            last = await db.ActivityLogCheckpoints.Where(c => c.WorkspaceId == workspaceId).OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(cancellationToken);
            frontier = last is null ? new MerkleFrontier() : MerkleFrontier.Deserialize(last.TreeSize, last.Frontier);
            await AppendLeavesAsync(db, workspaceId, frontier, cancellationToken);
        }

        if (frontier.Size == (last?.TreeSize ?? 0))
        {
            return null;
        }

        var checkpoint = await SignAsync(cell, workspaceId, frontier, ActivityCheckpoint.Periodic, cancellationToken);
        var row = new ActivityLogCheckpoint
        {
            WorkspaceId = workspaceId,
            TreeSize = checkpoint.TreeSize,
            RootHash = checkpoint.RootHash,
            Frontier = frontier.Serialize(),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(checkpoint.TimestampMs),
            KeyId = checkpoint.KeyId,
            Signature = checkpoint.Signature,
        };
        try
        {
            await cell.Writer.WriteAsync((db, _) =>
            {
                db.ActivityLogCheckpoints.Add(row);
                return Task.CompletedTask;
            }, cancellationToken);
        }
        catch (DbUpdateException ex) when (DatabaseFailure.IsConflict(ex))
        {
            // Another process signed the same tree size first; its checkpoint is as good.
            return null;
        }

        return row;
    }

    /// <summary>Signs the tree head that <paramref name="frontier"/> describes.</summary>
    public async Task<ActivityCheckpoint> SignAsync(CellDatabase cell, string workspaceId, MerkleFrontier frontier, string checkpointKind, CancellationToken cancellationToken, long? timestampMs = null)
    {
        var signer = await signingKeys.SignerAsync(cell, SigningKeyPurposes.ActivityLog, cancellationToken);
        var root = frontier.Root();
        var timestamp = timestampMs ?? time.GetUtcNow().ToUnixTimeMilliseconds();
        var signature = signer.Sign(ActivityCheckpoint.SignedStatement(checkpointKind, cell.Region.Code, workspaceId, frontier.Size, root, timestamp));
        return new ActivityCheckpoint(checkpointKind, cell.Region.Code, workspaceId, frontier.Size, root, timestamp, signer.KeyId, signature);
    }

    /// <summary>Adds the stored leaf hashes after the frontier's size; a gap in the sequence is an integrity failure.</summary>
    internal static async Task AppendLeavesAsync(ConfideDbContext db, string workspaceId, MerkleFrontier frontier, CancellationToken cancellationToken)
    {
        while (true)
        {
            var from = frontier.Size;
            var batch = await db.ActivityLogEntries
                .Where(e => e.WorkspaceId == workspaceId && e.Sequence >= from)
                .OrderBy(e => e.Sequence)
                .Take(LeafBatch)
                .Select(e => new { e.Sequence, e.LeafHash })
                .ToListAsync(cancellationToken);
            foreach (var leaf in batch)
            {
                if (leaf.Sequence != frontier.Size)
                {
                    throw new CryptoIntegrityException($"The activity log jumps from entry {frontier.Size - 1} to {leaf.Sequence}.");
                }

                frontier.Append(leaf.LeafHash);
            }

            if (batch.Count < LeafBatch)
            {
                return;
            }
        }
    }

    private async Task QueueLogsAheadOfCheckpointAsync(CellDatabase cell, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var heads = await db.ActivityLogEntries.GroupBy(e => e.WorkspaceId).Select(g => new { WorkspaceId = g.Key, Size = g.Max(e => e.Sequence) + 1 }).ToListAsync(cancellationToken);
        var signed = await db.ActivityLogCheckpoints.GroupBy(c => c.WorkspaceId).Select(g => new { WorkspaceId = g.Key, Size = g.Max(c => c.TreeSize) }).ToDictionaryAsync(c => c.WorkspaceId, c => c.Size, cancellationToken);
        foreach (var head in heads.Where(h => !signed.TryGetValue(h.WorkspaceId, out var size) || size < h.Size))
        {
            pending.Add(cell.Region, head.WorkspaceId);
        }
    }

    [LoggerMessage(EventId = 4100, EventName = "DataIntegrityFailure", Level = LogLevel.Critical, Message = "The activity log of workspace {WorkspaceId} in region {Region} failed its integrity check; it is not checkpointed until this is resolved.")]
    private static partial void LogIntegrityFailure(ILogger logger, Exception exception, string region, string workspaceId);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Error, Message = "Signing an activity-log checkpoint in region {Region} failed; retrying next round ({Suppressed} more like it since the last one logged were left out).")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, string region, int suppressed);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Signing an activity-log checkpoint in region {Region} failed: the database is unavailable ({Reason}); retrying next round ({Suppressed} more like it since the last one logged were left out).")]
    private static partial void LogCheckpointDatabaseUnavailable(ILogger logger, string region, string reason, int suppressed);
}
