using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Confide.Data.Model;
using Confide.Privacy.Receipts;

namespace Confide.Privacy.Retention;

/// <summary>
/// The signed receipt of one retention run in one workspace (docs/retention.md): what each rule
/// deleted and up to when (its cutoff), and the activity entry that records it. Signed like the
/// erasure and workspace-deletion receipts (<see cref="ReceiptJson"/>): over the canonical form of
/// every member but <c>signature</c>, with the region's activity-log key. Ids, times and counts only.
/// </summary>
public sealed record RetentionReceiptDocument(
    string RunId,
    string Region,
    string WorkspaceId,
    IReadOnlyDictionary<string, long> Deleted,
    IReadOnlyDictionary<string, long> Cutoffs,
    long StartedAt,
    long FinishedAt,
    string ActivityEntryId,
    long ActivityLogLeafIndex,
    string KeyId,
    byte[] Signature)
{
    public const string Format = "confide-retention-receipt/v1";
    public const string Algorithm = ReceiptJson.Algorithm;

    private static readonly string[] Members =
    [
        "activity_entry_id", "activity_log_leaf_index", "algorithm", "cutoffs", "deleted", "finished_at", "format",
        "key_id", "region", "run_id", "signature", "started_at", "workspace_id",
    ];

    /// <summary>The receipt stored with a workspace's run.</summary>
    public static RetentionReceiptDocument From(RetentionWorkspaceRun row, string region)
    {
        var rules = JsonNode.Parse(row.Counts)!.AsObject();
        return new RetentionReceiptDocument(
            row.RunId, region, row.WorkspaceId,
            rules.ToDictionary(r => r.Key, r => r.Value!["deleted"]!.GetValue<long>(), StringComparer.Ordinal),
            rules.ToDictionary(r => r.Key, r => r.Value!["cutoff"]!.GetValue<long>(), StringComparer.Ordinal),
            row.StartedAt.ToUnixTimeSeconds(), row.FinishedAt.ToUnixTimeSeconds(), row.ActivityEntryId, row.ActivityLogLeafIndex, row.SigningKeyId, row.Signature);
    }

    /// <summary>Reads a receipt file; a <see cref="FormatException"/> naming what is wrong when it is not one.</summary>
    public static RetentionReceiptDocument Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = ReceiptJson.Open(utf8, Members, Format);
        var root = document.RootElement;
        return new RetentionReceiptDocument(
            ReceiptJson.Text(root, "run_id"), ReceiptJson.Text(root, "region"), ReceiptJson.Text(root, "workspace_id"),
            ReceiptJson.Counts(root, "deleted"), ReceiptJson.Counts(root, "cutoffs"),
            ReceiptJson.Integer(root, "started_at"), ReceiptJson.Integer(root, "finished_at"),
            ReceiptJson.Text(root, "activity_entry_id"), ReceiptJson.Integer(root, "activity_log_leaf_index"),
            ReceiptJson.Text(root, "key_id"), ReceiptJson.Signature(root));
    }

    /// <summary>The exact bytes signed.</summary>
    public byte[] SignedBytes() => Write(includeSignature: false);

    /// <summary>The document as shown (the canonical form plus the signature, still sorted).</summary>
    public byte[] ToJson() => Write(includeSignature: true);

    public bool Verify(ECDsa publicKey) => ReceiptJson.Verify(publicKey, SignedBytes(), Signature);

    // Members in ordinal order of their names.
    private byte[] Write(bool includeSignature) => ReceiptJson.Write(json =>
    {
        json.WriteString("activity_entry_id", ActivityEntryId);
        json.WriteNumber("activity_log_leaf_index", ActivityLogLeafIndex);
        json.WriteString("algorithm", Algorithm);
        ReceiptJson.WriteCounts(json, "cutoffs", Cutoffs);
        ReceiptJson.WriteCounts(json, "deleted", Deleted);
        json.WriteNumber("finished_at", FinishedAt);
        json.WriteString("format", Format);
        json.WriteString("key_id", KeyId);
        json.WriteString("region", Region);
        json.WriteString("run_id", RunId);
        if (includeSignature)
        {
            json.WriteString("signature", Convert.ToBase64String(Signature));
        }

        json.WriteNumber("started_at", StartedAt);
        json.WriteString("workspace_id", WorkspaceId);
    });
}
