using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Audit;

/// <summary>
/// Writes a workspace's whole activity log as a verifiable export (JSON Lines, format in
/// docs/activity-log.md): a header with the region's public signing keys, every entry as the
/// exact bytes that were hashed, each stored checkpoint after the entry it ends at, and a
/// fresh export checkpoint last. The export checkpoint is signed only if the stored entries
/// agree with every stored checkpoint; otherwise the export ends without it (and fails to verify).
/// </summary>
public sealed class ActivityLogExporter(WorkspaceKeyRing keys, ActivityCheckpointer checkpointer, TimeProvider time)
{
    private const int Batch = 1_000;
    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    public sealed record Summary(long Entries, int Checkpoints, byte[] RootHash);

    public async Task<Summary> WriteAsync(CellDatabase cell, string workspaceId, Stream output, CancellationToken cancellationToken)
    {
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var signingKeys = await RegionSigningKeys.PublicKeysAsync(cell, SigningKeyPurposes.ActivityLog, cancellationToken);
        await using var db = cell.CreateReadContext();
        var checkpoints = new Queue<ActivityLogCheckpoint>(await db.ActivityLogCheckpoints
            .Where(c => c.WorkspaceId == workspaceId)
            .OrderBy(c => c.TreeSize)
            .ToListAsync(cancellationToken));

        var exportedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        await WriteLineAsync(output, Header(cell.Region.Code, workspaceId, exportedAt, [.. signingKeys.Select(k => (k.Id, k.PublicKey))]), cancellationToken);

        var frontier = new MerkleFrontier();
        var disagreements = new List<long>();
        var written = 0;
        while (true)
        {
            var from = frontier.Size;
            var rows = await db.ActivityLogEntries
                .Where(e => e.WorkspaceId == workspaceId && e.Sequence >= from)
                .OrderBy(e => e.Sequence)
                .Take(Batch)
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                if (row.Sequence != frontier.Size)
                {
                    throw new CryptoIntegrityException($"The activity log jumps from entry {frontier.Size - 1} to {row.Sequence}.");
                }

                await WriteLineAsync(output, ActivityLog.Open(workforce, row), cancellationToken);
                frontier.Append(row.LeafHash);
                while (checkpoints.TryPeek(out var next) && next.TreeSize <= frontier.Size)
                {
                    checkpoints.Dequeue();
                    if (next.TreeSize != frontier.Size || !next.RootHash.AsSpan().SequenceEqual(frontier.Root()))
                    {
                        disagreements.Add(next.TreeSize);
                    }

                    await WriteLineAsync(output, Stored(cell.Region.Code, next).ToJson(), cancellationToken);
                    written++;
                }
            }

            if (rows.Count < Batch)
            {
                break;
            }
        }

        // Checkpoints beyond the last entry mean entries were removed from the end.
        disagreements.AddRange(checkpoints.Select(c => c.TreeSize));
        if (disagreements.Count > 0)
        {
            throw new CryptoIntegrityException(
                $"The stored activity log does not match its signed checkpoints at tree sizes {string.Join(", ", disagreements.Take(5))}; the export was not signed.");
        }

        var final = await checkpointer.SignAsync(cell, workspaceId, frontier, ActivityCheckpoint.Export, cancellationToken, timestampMs: exportedAt);
        await WriteLineAsync(output, final.ToJson(), cancellationToken);
        await output.FlushAsync(cancellationToken);
        return new Summary(frontier.Size, written + 1, final.RootHash);
    }

    private static ActivityCheckpoint Stored(string region, ActivityLogCheckpoint c) =>
        new(ActivityCheckpoint.Periodic, region, c.WorkspaceId, c.TreeSize, c.RootHash, c.CreatedAt.ToUnixTimeMilliseconds(), c.KeyId, c.Signature);

    /// <summary>The export's first line: what it is, of which workspace, when, and the keys its checkpoints are signed with.</summary>
    internal static byte[] Header(string region, string workspaceId, long exportedAt, IReadOnlyList<(string Id, byte[] PublicKey)> signingKeys)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", "export");
            json.WriteNumber("format", 1);
            json.WriteString("region", region);
            json.WriteString("workspace_id", workspaceId);
            json.WriteNumber("exported_at_ms", exportedAt);
            json.WriteStartArray("signing_keys");
            foreach (var key in signingKeys)
            {
                json.WriteStartObject();
                json.WriteString("key_id", key.Id);
                json.WriteString("algorithm", "ecdsa-p256-sha256");
                json.WriteString("public_key", Convert.ToBase64String(key.PublicKey));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task WriteLineAsync(Stream output, byte[] line, CancellationToken cancellationToken)
    {
        await output.WriteAsync(line, cancellationToken);
        await output.WriteAsync(NewLine, cancellationToken);
    }
}
