using System.Security.Cryptography;
using System.Text.Json;
using Confide.Data.Model;
using Confide.Privacy.Receipts;

namespace Confide.Privacy.Erasure;

/// <summary>
/// An erasure receipt as a JSON document, and the canonical form it is signed in: the members
/// other than <c>signature</c>, names sorted (ordinal), no whitespace, <c>categories</c> with
/// sorted names, integers as integers, UTF-8. A verifier parses the file, rebuilds that form
/// from the values it read and checks the signature over it, so a change to any value, a
/// missing member or an extra one fails. Times are Unix seconds.
/// </summary>
public sealed record ErasureReceiptDocument(
    string ReceiptId,
    string Region,
    string WorkspaceId,
    string PrivacyRequestId,
    string SubjectReference,
    IReadOnlyDictionary<string, long> Categories,
    IReadOnlyList<string> DestroyedKeyIds,
    long RequestedAt,
    long KeyDestroyedAt,
    long CompletedAt,
    long ActivityLogLeafIndex,
    string KeyId,
    byte[] Signature)
{
    public const string Format = "confide-erasure-receipt/v1";
    public const string Algorithm = ReceiptJson.Algorithm;

    private static readonly string[] Members =
    [
        "activity_log_leaf_index", "algorithm", "categories", "completed_at", "destroyed_key_ids", "format", "key_destroyed_at", "key_id",
        "privacy_request_id", "receipt_id", "region", "requested_at", "signature", "subject_reference", "workspace_id",
    ];

    public static ErasureReceiptDocument From(ErasureReceipt receipt) => new(
        receipt.Id, receipt.Region, receipt.WorkspaceId, receipt.PrivacyRequestId, receipt.SubjectReference,
        JsonSerializer.Deserialize<Dictionary<string, long>>(receipt.Categories)!,
        receipt.DestroyedKeyIds.Length == 0 ? [] : receipt.DestroyedKeyIds.Split(','),
        receipt.RequestedAt.ToUnixTimeSeconds(), receipt.KeyDestroyedAt.ToUnixTimeSeconds(), receipt.CompletedAt.ToUnixTimeSeconds(),
        receipt.ActivityLogLeafIndex, receipt.SigningKeyId, receipt.Signature);

    /// <summary>The categories as the canonical JSON object stored with the receipt.</summary>
    public static string CategoriesJson(IReadOnlyDictionary<string, long> categories) => ReceiptJson.CountsJson(categories);

    /// <summary>The exact bytes signed.</summary>
    public byte[] SignedBytes() => Write(includeSignature: false);

    /// <summary>The document as served and downloaded (the canonical form plus the signature, still sorted).</summary>
    public byte[] ToJson() => Write(includeSignature: true);

    public bool Verify(ECDsa publicKey) => ReceiptJson.Verify(publicKey, SignedBytes(), Signature);

    /// <summary>Reads a receipt file; a <see cref="FormatException"/> naming what is wrong when it is not one.</summary>
    public static ErasureReceiptDocument Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = ReceiptJson.Open(utf8, Members, Format);
        var root = document.RootElement;
        return new ErasureReceiptDocument(
            ReceiptJson.Text(root, "receipt_id"), ReceiptJson.Text(root, "region"), ReceiptJson.Text(root, "workspace_id"),
            ReceiptJson.Text(root, "privacy_request_id"), ReceiptJson.Text(root, "subject_reference"),
            ReceiptJson.Counts(root, "categories"), ReceiptJson.Strings(root, "destroyed_key_ids"),
            ReceiptJson.Integer(root, "requested_at"), ReceiptJson.Integer(root, "key_destroyed_at"), ReceiptJson.Integer(root, "completed_at"),
            ReceiptJson.Integer(root, "activity_log_leaf_index"), ReceiptJson.Text(root, "key_id"), ReceiptJson.Signature(root));
    }

    // Members in ordinal order of their names (see Members).
    private byte[] Write(bool includeSignature) => ReceiptJson.Write(json =>
    {
        json.WriteNumber("activity_log_leaf_index", ActivityLogLeafIndex);
        json.WriteString("algorithm", Algorithm);
        ReceiptJson.WriteCounts(json, "categories", Categories);
        json.WriteNumber("completed_at", CompletedAt);
        ReceiptJson.WriteStrings(json, "destroyed_key_ids", DestroyedKeyIds);
        json.WriteString("format", Format);
        json.WriteNumber("key_destroyed_at", KeyDestroyedAt);
        json.WriteString("key_id", KeyId);
        json.WriteString("privacy_request_id", PrivacyRequestId);
        json.WriteString("receipt_id", ReceiptId);
        json.WriteString("region", Region);
        json.WriteNumber("requested_at", RequestedAt);
        if (includeSignature)
        {
            json.WriteString("signature", Convert.ToBase64String(Signature));
        }

        json.WriteString("subject_reference", SubjectReference);
        json.WriteString("workspace_id", WorkspaceId);
    });
}
