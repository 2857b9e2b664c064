using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Confide.Audit;

/// <summary>
/// A signed tree head: the Merkle root over a workspace's first <see cref="TreeSize"/> entries
/// at <see cref="TimestampMs"/>, signed by a region key. <c>periodic</c> checkpoints are made
/// while there is activity; an <c>export</c> checkpoint closes every export, so a file cut short
/// lacks it. The signed bytes are the text of <see cref="SignedStatement"/>.
/// </summary>
public sealed record ActivityCheckpoint(string CheckpointKind, string Region, string WorkspaceId, long TreeSize, byte[] RootHash, long TimestampMs, string KeyId, byte[] Signature)
{
    public const string Kind = "checkpoint";
    public const string Periodic = "periodic";
    public const string Export = "export";

    /// <summary>The exact bytes signed (UTF-8, one <c>name: value</c> per line, each ending in a line feed).</summary>
    public static byte[] SignedStatement(string checkpointKind, string region, string workspaceId, long treeSize, ReadOnlySpan<byte> rootHash, long timestampMs) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"confide-activity-log-checkpoint/v1\nkind: {checkpointKind}\nregion: {region}\nworkspace: {workspaceId}\ntree_size: {treeSize}\nroot_hash: {Convert.ToHexStringLower(rootHash)}\ntimestamp_ms: {timestampMs}\n"));

    public byte[] Statement() => SignedStatement(CheckpointKind, Region, WorkspaceId, TreeSize, RootHash, TimestampMs);

    public bool VerifySignature(ECDsa publicKey) =>
        publicKey.VerifyData(Statement(), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", Kind);
            json.WriteString("checkpoint_kind", CheckpointKind);
            json.WriteString("region", Region);
            json.WriteString("workspace_id", WorkspaceId);
            json.WriteNumber("tree_size", TreeSize);
            json.WriteString("root_hash", Convert.ToHexStringLower(RootHash));
            json.WriteNumber("timestamp_ms", TimestampMs);
            json.WriteString("key_id", KeyId);
            json.WriteString("signature", Convert.ToBase64String(Signature));
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A checkpoint line; a <see cref="FormatException"/> when a member is missing, null or of the wrong type.</summary>
    public static ActivityCheckpoint FromJson(JsonElement json) => new(
        Text(json, "checkpoint_kind"),
        Text(json, "region"),
        Text(json, "workspace_id"),
        Number(json, "tree_size"),
        Convert.FromHexString(Text(json, "root_hash")),
        Number(json, "timestamp_ms"),
        Text(json, "key_id"),
        Convert.FromBase64String(Text(json, "signature")));

    private static string Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"the checkpoint's {name} is missing or not a string");

    private static long Number(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new FormatException($"the checkpoint's {name} is missing or not an integer");
}
