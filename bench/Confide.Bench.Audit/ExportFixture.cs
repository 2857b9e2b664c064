using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;

namespace Confide.Bench.Audit;

/// <summary>
/// An activity-log export built in memory, line for line as <see cref="ActivityLogExporter"/>
/// writes it: the header with the region's signing key, every entry as its canonical bytes,
/// a periodic checkpoint after every <c>checkpointEvery</c> entries, and the export checkpoint
/// (timestamp = the header's <c>exported_at_ms</c>) last. Also records where each entry line
/// lies, so the SHA-256 ceiling hashes exactly the same bytes.
/// </summary>
public sealed class ExportFixture
{
    private const string Region = "eu";
    private const string WorkspaceId = "eu_k3j9x2m4q8w1";

    private ExportFixture(byte[] bytes, (int Offset, int Length)[] entryLines)
    {
        Bytes = bytes;
        EntryLines = entryLines;
    }

    public byte[] Bytes { get; }

    public (int Offset, int Length)[] EntryLines { get; }

    public static ExportFixture Build(int entries, int checkpointEvery)
    {
        // Fixed seeds: every run verifies the same shapes of entries.
        var random = new Random(9162);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var keyId = Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var exportedAt = start + (entries * 60_000L) + 1_000;

        using var output = new MemoryStream();
        var lines = new (int, int)[entries];
        WriteLine(output, ActivityLogExporter.Header(Region, WorkspaceId, exportedAt, [(keyId, publicKey)]));
        var frontier = new MerkleFrontier();
        byte[]? previousLeaf = null;
        for (var sequence = 0; sequence < entries; sequence++)
        {
            var createdAt = start + (sequence * 60_000L);
            var bytes = Entry(random, sequence, createdAt, previousLeaf).ToJson();
            lines[sequence] = ((int)output.Position, bytes.Length);
            WriteLine(output, bytes);
            previousLeaf = MerkleTree.LeafHash(bytes);
            frontier.Append(previousLeaf);
            if (frontier.Size % checkpointEvery == 0)
            {
                WriteLine(output, Checkpoint(key, keyId, ActivityCheckpoint.Periodic, frontier, createdAt + 30_000).ToJson());
            }
        }

        WriteLine(output, Checkpoint(key, keyId, ActivityCheckpoint.Export, frontier, exportedAt).ToJson());
        return new ExportFixture(output.ToArray(), lines);
    }

    /// <summary>A mix of what the log records today: sign-ins through the web, deletions through the API.</summary>
    private static ActivityEntry Entry(Random random, long sequence, long createdAtMs, byte[]? previousLeaf)
    {
        var teammate = Id(random);
        var ip = $"203.0.113.{random.Next(1, 255)}";
        var (type, via, token, target, description, metadata) = (sequence % 4) switch
        {
            0 or 1 => (ActivityTypes.AdminLoginSuccess, "web", (string?)null, (ActivityTarget?)null, "A teammate signed in.",
                new JsonObject { ["method"] = "password", ["user_agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" }),
            2 => (ActivityTypes.ConversationDeletion, "api", Id(random), new ActivityTarget("conversation", Id(random)), "A conversation and all its parts were deleted.",
                new JsonObject { ["contact_id"] = Id(random), ["part_count"] = random.Next(1, 60) }),
            _ => (ActivityTypes.ContactDeletion, "api", Id(random), new ActivityTarget("contact", Id(random)), "A contact, their conversations and their keys were deleted.",
                new JsonObject { ["conversation_count"] = random.Next(0, 12), ["role"] = "user" }),
        };
        return new ActivityEntry(
            WorkspaceId,
            Region,
            sequence,
            Id(random),
            createdAtMs,
            type,
            new ActivityPerformer(ActivityActor.AdminType, teammate, $"teammate{random.Next(1, 40)}@example.com", ip, token),
            via,
            target,
            description,
            metadata,
            previousLeaf is null ? null : Convert.ToHexStringLower(previousLeaf),
            Convert.ToBase64String(RandomBytes(random, 16)));
    }

    private static ActivityCheckpoint Checkpoint(ECDsa key, string keyId, string kind, MerkleFrontier frontier, long timestampMs)
    {
        var root = frontier.Root();
        var signature = key.SignData(
            ActivityCheckpoint.SignedStatement(kind, Region, WorkspaceId, frontier.Size, root, timestampMs),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
        return new ActivityCheckpoint(kind, Region, WorkspaceId, frontier.Size, root, timestampMs, keyId, signature);
    }

    private static void WriteLine(MemoryStream output, byte[] line)
    {
        output.Write(line);
        output.WriteByte((byte)'\n');
    }

    private static string Id(Random random) => Convert.ToHexStringLower(RandomBytes(random, 12));

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
