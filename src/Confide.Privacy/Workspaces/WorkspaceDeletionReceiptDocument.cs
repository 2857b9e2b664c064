using System.Security.Cryptography;
using System.Text.Json;
using Confide.Data.Model;
using Confide.Privacy.Receipts;

namespace Confide.Privacy.Workspaces;

/// <summary>
/// A workspace-deletion receipt as a JSON document, signed like an erasure receipt
/// (<see cref="Erasure.ErasureReceiptDocument"/>): over the canonical form of every member but
/// <c>signature</c> (names sorted ordinally, no whitespace, <c>categories</c> sorted, integers as
/// integers, UTF-8), with the region's activity-log key. Times are Unix seconds. It names the
/// workspace by id only: no name, no address, nothing of its content.
/// </summary>
public sealed record WorkspaceDeletionReceiptDocument(
    string ReceiptId,
    string Region,
    string WorkspaceId,
    IReadOnlyDictionary<string, long> Categories,
    IReadOnlyList<string> DestroyedKeyIds,
    long ContactKeysDestroyed,
    long RequestedAt,
    long KeyDestroyedAt,
    long CompletedAt,
    long ActivityLogLeafIndex,
    long ActivityLogTreeSize,
    string ActivityLogRootHash,
    string KeyId,
    byte[] Signature)
{
    public const string Format = "confide-workspace-deletion-receipt/v1";
    public const string Algorithm = ReceiptJson.Algorithm;

    private static readonly string[] Members =
    [
        "activity_log_leaf_index", "activity_log_root_hash", "activity_log_tree_size", "algorithm", "categories", "completed_at", "contact_keys_destroyed",
        "destroyed_key_ids", "format", "key_destroyed_at", "key_id", "receipt_id", "region", "requested_at", "signature", "workspace_id",
    ];

    /// <summary>The stored receipt of a completed deletion; null while the purge runs.</summary>
    public static WorkspaceDeletionReceiptDocument? From(Confide.Data.Model.WorkspaceDeletion row) =>
        row is { CompletedAt: { } completed, Categories: { } categories, SigningKeyId: { } keyId, Signature: { } signature }
            ? new(row.Id, row.Region, row.WorkspaceId, JsonSerializer.Deserialize<Dictionary<string, long>>(categories)!,
                row.DestroyedKeyIds.Length == 0 ? [] : row.DestroyedKeyIds.Split(','), row.ContactKeysDestroyed,
                row.RequestedAt.ToUnixTimeSeconds(), row.KeyDestroyedAt.ToUnixTimeSeconds(), completed.ToUnixTimeSeconds(),
                row.ActivityLogLeafIndex, row.ActivityLogTreeSize ?? 0, row.ActivityLogRootHash ?? "", keyId, signature)
            : null;

    /// <summary>The categories as the canonical JSON object stored with the receipt.</summary>
    public static string CategoriesJson(IReadOnlyDictionary<string, long> categories) => ReceiptJson.CountsJson(categories);

    /// <summary>The exact bytes signed.</summary>
    public byte[] SignedBytes() => Write(includeSignature: false);

    /// <summary>The document as mailed and printed (the canonical form plus the signature, still sorted).</summary>
    public byte[] ToJson() => Write(includeSignature: true);

    public bool Verify(ECDsa publicKey) => ReceiptJson.Verify(publicKey, SignedBytes(), Signature);

    /// <summary>Reads a receipt file; a <see cref="FormatException"/> naming what is wrong when it is not one.</summary>
    public static WorkspaceDeletionReceiptDocument Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = ReceiptJson.Open(utf8, Members, Format);
        var root = document.RootElement;
        return new WorkspaceDeletionReceiptDocument(
            ReceiptJson.Text(root, "receipt_id"), ReceiptJson.Text(root, "region"), ReceiptJson.Text(root, "workspace_id"),
            ReceiptJson.Counts(root, "categories"), ReceiptJson.Strings(root, "destroyed_key_ids"), ReceiptJson.Integer(root, "contact_keys_destroyed"),
            ReceiptJson.Integer(root, "requested_at"), ReceiptJson.Integer(root, "key_destroyed_at"), ReceiptJson.Integer(root, "completed_at"),
            ReceiptJson.Integer(root, "activity_log_leaf_index"), ReceiptJson.Integer(root, "activity_log_tree_size"), ReceiptJson.Text(root, "activity_log_root_hash"),
            ReceiptJson.Text(root, "key_id"), ReceiptJson.Signature(root));
    }

    // Members in ordinal order of their names (see Members).
    private byte[] Write(bool includeSignature) => ReceiptJson.Write(json =>
    {
        json.WriteNumber("activity_log_leaf_index", ActivityLogLeafIndex);
        json.WriteString("activity_log_root_hash", ActivityLogRootHash);
        json.WriteNumber("activity_log_tree_size", ActivityLogTreeSize);
        json.WriteString("algorithm", Algorithm);
        ReceiptJson.WriteCounts(json, "categories", Categories);
        json.WriteNumber("completed_at", CompletedAt);
        json.WriteNumber("contact_keys_destroyed", ContactKeysDestroyed);
        ReceiptJson.WriteStrings(json, "destroyed_key_ids", DestroyedKeyIds);
        json.WriteString("format", Format);
        json.WriteNumber("key_destroyed_at", KeyDestroyedAt);
        json.WriteString("key_id", KeyId);
        json.WriteString("receipt_id", ReceiptId);
        json.WriteString("region", Region);
        json.WriteNumber("requested_at", RequestedAt);
        if (includeSignature)
        {
            json.WriteString("signature", Convert.ToBase64String(Signature));
        }

        json.WriteString("workspace_id", WorkspaceId);
    });
}
