using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Confide.Data.Model;

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
    public const string Algorithm = "ecdsa-p256-sha256";

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
    public static string CategoriesJson(IReadOnlyDictionary<string, long> categories)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteCategories(json, categories);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The exact bytes signed.</summary>
    public byte[] SignedBytes() => Write(includeSignature: false);

    /// <summary>The document as mailed and printed (the canonical form plus the signature, still sorted).</summary>
    public byte[] ToJson() => Write(includeSignature: true);

    public bool Verify(ECDsa publicKey) =>
        publicKey.VerifyData(SignedBytes(), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    private byte[] Write(bool includeSignature)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            // Members in ordinal order of their names (see Members).
            json.WriteStartObject();
            json.WriteNumber("activity_log_leaf_index", ActivityLogLeafIndex);
            json.WriteString("activity_log_root_hash", ActivityLogRootHash);
            json.WriteNumber("activity_log_tree_size", ActivityLogTreeSize);
            json.WriteString("algorithm", Algorithm);
            json.WritePropertyName("categories");
            WriteCategories(json, Categories);
            json.WriteNumber("completed_at", CompletedAt);
            json.WriteNumber("contact_keys_destroyed", ContactKeysDestroyed);
            json.WriteStartArray("destroyed_key_ids");
            foreach (var id in DestroyedKeyIds)
            {
                json.WriteStringValue(id);
            }

            json.WriteEndArray();
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
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteCategories(Utf8JsonWriter json, IReadOnlyDictionary<string, long> categories)
    {
        json.WriteStartObject();
        foreach (var (name, count) in categories.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(name, count);
        }

        json.WriteEndObject();
    }

    /// <summary>Reads a receipt file; a <see cref="FormatException"/> naming what is wrong when it is not one.</summary>
    public static WorkspaceDeletionReceiptDocument Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON ({ex.Message})", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("not a JSON object");
            }

            var names = root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            if (!names.SequenceEqual(Members, StringComparer.Ordinal))
            {
                var extra = names.Except(Members, StringComparer.Ordinal).ToList();
                var missing = Members.Except(names, StringComparer.Ordinal).ToList();
                throw new FormatException(extra.Count > 0 ? $"unexpected member '{extra[0]}'" : $"member '{missing[0]}' is missing");
            }

            if (Text(root, "format") != Format)
            {
                throw new FormatException($"format is not {Format}");
            }

            if (Text(root, "algorithm") != Algorithm)
            {
                throw new FormatException($"algorithm is not {Algorithm}");
            }

            var categories = root.GetProperty("categories");
            if (categories.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("categories is not an object");
            }

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var category in categories.EnumerateObject())
            {
                counts[category.Name] = Integer(category.Value, $"categories.{category.Name}");
            }

            var keys = root.GetProperty("destroyed_key_ids");
            if (keys.ValueKind != JsonValueKind.Array || keys.EnumerateArray().Any(k => k.ValueKind != JsonValueKind.String))
            {
                throw new FormatException("destroyed_key_ids is not an array of strings");
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(Text(root, "signature"));
            }
            catch (FormatException)
            {
                throw new FormatException("signature is not base64");
            }

            return new WorkspaceDeletionReceiptDocument(
                Text(root, "receipt_id"), Text(root, "region"), Text(root, "workspace_id"), counts, [.. keys.EnumerateArray().Select(k => k.GetString()!)],
                Integer(root.GetProperty("contact_keys_destroyed"), "contact_keys_destroyed"),
                Integer(root.GetProperty("requested_at"), "requested_at"), Integer(root.GetProperty("key_destroyed_at"), "key_destroyed_at"),
                Integer(root.GetProperty("completed_at"), "completed_at"), Integer(root.GetProperty("activity_log_leaf_index"), "activity_log_leaf_index"),
                Integer(root.GetProperty("activity_log_tree_size"), "activity_log_tree_size"), Text(root, "activity_log_root_hash"),
                Text(root, "key_id"), signature);
        }
    }

    private static string Text(JsonElement json, string name) =>
        json.GetProperty(name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"{name} is not a string");

    private static long Integer(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && value.GetRawText() == number.ToString(CultureInfo.InvariantCulture)
            ? number
            : throw new FormatException($"{name} is not an integer");
}
