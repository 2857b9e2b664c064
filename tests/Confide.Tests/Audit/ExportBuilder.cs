using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confide.Audit;

namespace Confide.Tests.Audit;

/// <summary>
/// A valid activity-log export made without a server: header, entries chained and hashed as
/// Confide writes them, a periodic checkpoint and the export checkpoint, signed with a fresh
/// P-256 key. The starting point for crafted and mutated exports.
/// </summary>
internal static class ExportBuilder
{
    public const string WorkspaceId = "eu_0123456789abcdef01234567";
    public const long ExportedAtMs = 1_795_748_971_096;

    public static List<string> Build(int entries, ECDsa key)
    {
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var keyId = Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];
        var header = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "export",
            ["format"] = 1,
            ["region"] = "eu",
            ["workspace_id"] = WorkspaceId,
            ["exported_at_ms"] = ExportedAtMs,
            ["signing_keys"] = new[] { new Dictionary<string, string> { ["key_id"] = keyId, ["algorithm"] = "ecdsa-p256-sha256", ["public_key"] = Convert.ToBase64String(publicKey) } },
        });
        List<string> lines = [header];
        var frontier = new MerkleFrontier();
        using var hasher = new MerkleHasher();
        var leaf = new byte[MerkleTree.HashSize];
        string? previous = null;
        for (var sequence = 0; sequence < entries; sequence++)
        {
            var line = $$"""{"kind":"activity","format":1,"workspace_id":"{{WorkspaceId}}","region":"eu","sequence":{{sequence}},"id":"entry{{sequence}}","created_at_ms":{{ExportedAtMs - 1000 + sequence}},"activity_type":"contact_deletion","performed_by":{"type":"admin","id":"01a21afa"},"performed_via":"api","target":{"type":"contact","id":"c{{sequence}}"},"activity_description":"A contact was erased.","metadata":{},"previous_hash":{{(previous is null ? "null" : $"\"{previous}\"")}},"salt":"bK3nAAAAAAAAAAAAAAAAAA=="}""";
            lines.Add(line);
            hasher.LeafHash(Encoding.UTF8.GetBytes(line), leaf);
            frontier.Append(leaf, hasher);
            previous = Convert.ToHexStringLower(leaf);
            if (sequence == entries / 2)
            {
                lines.Add(Checkpoint(ActivityCheckpoint.Periodic, frontier, ExportedAtMs - 500, keyId, key));
            }
        }

        lines.Add(Checkpoint(ActivityCheckpoint.Export, frontier, ExportedAtMs, keyId, key));
        return lines;
    }

    public static MemoryStream Stream(IEnumerable<string> lines) => new(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

    private static string Checkpoint(string kind, MerkleFrontier frontier, long timestampMs, string keyId, ECDsa key)
    {
        var root = frontier.Root();
        var statement = ActivityCheckpoint.SignedStatement(kind, "eu", WorkspaceId, frontier.Size, root, timestampMs);
        var signature = key.SignData(statement, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return Encoding.UTF8.GetString(new ActivityCheckpoint(kind, "eu", WorkspaceId, frontier.Size, root, timestampMs, keyId, signature).ToJson());
    }
}
