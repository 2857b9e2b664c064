using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Audit;

/// <summary>
/// Appends to a workspace's activity log inside the write unit of the change it records, so
/// the entry commits in the same transaction: if the entry cannot be written, the change is
/// rolled back with it. Each entry names the hash of its predecessor and becomes the next leaf
/// of the workspace's Merkle tree; <see cref="ActivityCheckpointer"/> signs the tree heads.
/// </summary>
public sealed class ActivityLog(WorkspaceKeyRing keys, PendingCheckpoints pending, TimeProvider time)
{
    private sealed record Head(long Sequence, byte[] LeafHash);

    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, CancellationToken, Task<Head?>>> LastEntry = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, CancellationToken ct) => db.ActivityLogEntries
            .Where(e => e.WorkspaceId == workspaceId)
            .OrderByDescending(e => e.Sequence)
            .Select(e => new Head(e.Sequence, e.LeafHash))
            .FirstOrDefault()));

    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, string, CancellationToken, Task<Teammate?>>> TeammateById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, string teammateId, CancellationToken ct) =>
            db.Teammates.AsNoTracking().FirstOrDefault(t => t.WorkspaceId == workspaceId && t.Id == teammateId)));

    /// <summary>Records <paramref name="activity"/> in the unit of work <paramref name="db"/> (a <see cref="CellWriter"/> unit).</summary>
    /// <param name="workforce">The workspace's workforce cipher, when the unit creates the workspace (its keys are not committed yet).</param>
    public async Task<ActivityLogEntry> AppendAsync(ConfideDbContext db, CellDatabase cell, string workspaceId, ActivityEvent activity, CancellationToken cancellationToken, WorkforceCipher? workforce = null)
    {
        // Entries added earlier in this unit are not saved yet: the head is the newest of those.
        var head = AddedInThisUnit(db, workspaceId) ?? await LastEntry.For(db)(db, workspaceId, cancellationToken);
        workforce ??= await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        string? email = null;
        if (activity.Actor.IsTeammate)
        {
            var teammate = await TeammateById.For(db)(db, workspaceId, activity.Actor.Id, cancellationToken)
                ?? throw new InvalidOperationException("The acting teammate is not a member of this workspace.");
            email = workforce.Email(teammate);
        }

        var now = time.GetUtcNow();
        var sequence = head is null ? 0 : head.Sequence + 1;
        var entry = new ActivityEntry(
            workspaceId,
            cell.Region.Code,
            sequence,
            PublicIds.NewEntityId(time),
            now.ToUnixTimeMilliseconds(),
            activity.Type,
            new ActivityPerformer(activity.Actor.Type, activity.Actor.Id, email, activity.Actor.Ip, activity.Actor.TokenId),
            activity.Actor.Via,
            activity.Target,
            activity.Description,
            activity.Metadata,
            head is null ? null : Convert.ToHexStringLower(head.LeafHash),
            // A random salt: the leaf hash is stored in clear and must not let anyone confirm a guess of the entry (an IP address, say).
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        var bytes = entry.ToJson();
        var row = new ActivityLogEntry
        {
            WorkspaceId = workspaceId,
            Sequence = sequence,
            Id = entry.Id,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtMs),
            ActivityType = activity.Type,
            ActorType = activity.Actor.Type,
            ActorId = activity.Actor.IsTeammate ? activity.Actor.Id : null,
            LeafHash = MerkleTree.LeafHash(bytes),
            EncryptedEntry = workforce.SealActivityEntry(sequence, bytes),
        };
        db.ActivityLogEntries.Add(row);
        pending.Add(cell.Region, workspaceId);
        return row;
    }

    /// <summary>The newest entry of the workspace added to <paramref name="db"/> and not saved yet, read without a change scan.</summary>
    private static Head? AddedInThisUnit(ConfideDbContext db, string workspaceId)
    {
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            Head? newest = null;
            foreach (var entry in db.ChangeTracker.Entries<ActivityLogEntry>())
            {
                if (entry.Entity.WorkspaceId == workspaceId && (newest is null || entry.Entity.Sequence > newest.Sequence))
                {
                    newest = new Head(entry.Entity.Sequence, entry.Entity.LeafHash);
                }
            }

            return newest;
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <summary>Records <paramref name="activity"/> in a unit of its own (for actions whose change happens elsewhere, such as a sign-in).</summary>
    public Task AppendAsync(CellDatabase cell, string workspaceId, ActivityEvent activity, CancellationToken cancellationToken) =>
        cell.Writer.WriteAsync((db, ct) => AppendAsync(db, cell, workspaceId, activity, ct), cancellationToken);

    /// <summary>Opens a stored entry: its exact bytes, which must hash to the stored leaf hash.</summary>
    public static byte[] Open(WorkforceCipher workforce, ActivityLogEntry row)
    {
        var bytes = workforce.OpenActivityEntry(row.Sequence, row.EncryptedEntry);
        if (!CryptographicOperations.FixedTimeEquals(MerkleTree.LeafHash(bytes), row.LeafHash))
        {
            throw new CryptoIntegrityException($"Activity log entry {row.Sequence} does not match its leaf hash.");
        }

        return bytes;
    }
}
