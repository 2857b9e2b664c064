using System.Security.Cryptography;
using System.Text;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Audit;

/// <summary>
/// A 10,000-entry log exported from each database: every single edit, deletion, swap or
/// truncation, at many positions, is caught by the verifier behind <c>confide audit verify</c>;
/// so are forged checkpoints and a rewritten hash chain. Tampering with the stored log stops
/// the export from being signed.
/// </summary>
public sealed class TamperDetectionTests(Servers servers)
{
    private const int Entries = 10_000;
    private const int CheckpointEvery = 1_000;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnySingleTamper_AtManyPositions_IsDetected(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var lines = await ExportLinesAsync(server, workspace.Id, await FillAsync(server, workspace.Id, Entries - 1));
        var entryLine = EntryLineIndexes(lines);
        Assert.Equal(Entries, entryLine.Count);
        var intact = ActivityLogVerifier.Verify(Stream(lines));
        Assert.True(intact.Ok, intact.Message);
        Assert.Equal(Entries, intact.Entries);
        // One per thousand entries and the export's own; the background checkpointer may add
        // more when filling takes over a minute on a loaded machine.
        Assert.True(intact.Checkpoints >= (Entries / CheckpointEvery) + 1, $"{intact.Checkpoints} checkpoints");

        var random = new Random(4711);
        int[] positions = [0, 1, 2, 3, 998, 999, 1000, 1001, 4095, 4096, 5000, 9998, 9999, .. Enumerable.Range(0, 12).Select(_ => random.Next(Entries))];
        foreach (var k in positions)
        {
            var edited = lines.ToList();
            edited[entryLine[k]] = Edit(lines[entryLine[k]]);
            var report = ActivityLogVerifier.Verify(Stream(edited));
            Assert.False(report.Ok, $"edit of entry {k}");
            Assert.InRange(report.FirstBadEntry!.Value, Math.Max(0, k - CheckpointEvery + 1), k);

            var deleted = lines.ToList();
            deleted.RemoveAt(entryLine[k]);
            report = ActivityLogVerifier.Verify(Stream(deleted));
            Assert.False(report.Ok, $"deletion of entry {k}");
            Assert.InRange(report.FirstBadEntry!.Value, Math.Max(0, k - CheckpointEvery + 1), k);

            if (k < Entries - 1)
            {
                var swapped = lines.ToList();
                (swapped[entryLine[k]], swapped[entryLine[k + 1]]) = (swapped[entryLine[k + 1]], swapped[entryLine[k]]);
                report = ActivityLogVerifier.Verify(Stream(swapped));
                Assert.False(report.Ok, $"swap of entries {k} and {k + 1}");
                Assert.Equal(k, report.FirstBadEntry);
            }

            var truncated = lines.Take(entryLine[k] + 1).ToList();
            report = ActivityLogVerifier.Verify(Stream(truncated));
            Assert.False(report.Ok, $"truncation after entry {k}");
            Assert.Contains("truncated", report.Message, StringComparison.Ordinal);

            // A careful forger edits entry k and rewrites every later previous_hash to match:
            // the chain is whole again, but the signed checkpoints are not.
            report = ActivityLogVerifier.Verify(Stream(RechainFrom(lines, entryLine, k)));
            Assert.False(report.Ok, $"edit of entry {k} with the chain rewritten");
            Assert.Contains("do not match the checkpoint", report.Message, StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ForgedCheckpointsAndUntrustedKeys_AreRefused(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var size = await FillAsync(server, workspace.Id, 30);
        await server.Services.GetRequiredService<ActivityCheckpointer>().CheckpointAsync(server.Cell(Region.Eu), workspace.Id, CancellationToken.None);
        var lines = await ExportLinesAsync(server, workspace.Id, size);
        var checkpoint = lines.FindIndex(l => l.Contains("\"checkpoint_kind\":\"periodic\"", StringComparison.Ordinal));
        Assert.True(checkpoint > 0);

        var forgedRoot = lines.ToList();
        forgedRoot[checkpoint] = ReplaceHexField(forgedRoot[checkpoint], "root_hash");
        var report = ActivityLogVerifier.Verify(Stream(forgedRoot));
        Assert.False(report.Ok);
        Assert.Contains("does not verify", report.Message, StringComparison.Ordinal);

        var noExportCheckpoint = lines.Take(lines.Count - 1).ToList();
        Assert.False(ActivityLogVerifier.Verify(Stream(noExportCheckpoint)).Ok);

        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        report = ActivityLogVerifier.Verify(Stream(lines), [stranger.ExportSubjectPublicKeyInfo()]);
        Assert.False(report.Ok);
        Assert.Contains("None of the keys you trust", report.Message, StringComparison.Ordinal);

        var published = await RegionSigningKeys.PublicKeysAsync(server.Cell(Region.Eu), Confide.Data.Model.SigningKeyPurposes.ActivityLog, CancellationToken.None);
        Assert.True(ActivityLogVerifier.Verify(Stream(lines), [.. published.Select(k => k.PublicKey)]).Ok);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AStoredLogTamperedInTheDatabase_IsNotExported(string provider)
    {
        var server = await servers.GetAsync(provider);
        var cell = server.Cell(Region.Eu);
        var exporter = server.Services.GetRequiredService<ActivityLogExporter>();

        var deletedRow = await server.CreateWorkspaceAsync(Region.Eu);
        await FillAsync(server, deletedRow.Id, 20);
        await using (var db = cell.CreateTrackingContext())
        {
            await db.ActivityLogEntries.Where(e => e.WorkspaceId == deletedRow.Id && e.Sequence == 7).ExecuteDeleteAsync();
        }

        await Assert.ThrowsAsync<CryptoIntegrityException>(() => exporter.WriteAsync(cell, deletedRow.Id, new MemoryStream(), CancellationToken.None));

        // Entries already covered by a signed checkpoint cannot be cut off the end unnoticed.
        var truncatedTail = await server.CreateWorkspaceAsync(Region.Eu);
        await FillAsync(server, truncatedTail.Id, 20);
        await server.Services.GetRequiredService<ActivityCheckpointer>().CheckpointAsync(cell, truncatedTail.Id, CancellationToken.None);
        await using (var db = cell.CreateTrackingContext())
        {
            await db.ActivityLogEntries.Where(e => e.WorkspaceId == truncatedTail.Id && e.Sequence >= 15).ExecuteDeleteAsync();
        }

        var error = await Assert.ThrowsAsync<CryptoIntegrityException>(() => exporter.WriteAsync(cell, truncatedTail.Id, new MemoryStream(), CancellationToken.None));
        Assert.Contains("not signed", error.Message, StringComparison.Ordinal);

        var flippedBit = await server.CreateWorkspaceAsync(Region.Eu);
        await FillAsync(server, flippedBit.Id, 5);
        await using (var db = cell.CreateTrackingContext())
        {
            var row = await db.ActivityLogEntries.SingleAsync(e => e.WorkspaceId == flippedBit.Id && e.Sequence == 3);
            row.EncryptedEntry[^1] ^= 0x01;
            db.Entry(row).Property(e => e.EncryptedEntry).IsModified = true;
            await db.SaveChangesAsync();
        }

        await Assert.ThrowsAsync<CryptoIntegrityException>(() => exporter.WriteAsync(cell, flippedBit.Id, new MemoryStream(), CancellationToken.None));
    }

    [Fact]
    public async Task TheCommandLineVerifier_ExitsZeroOnlyForAnIntactExport()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var lines = await ExportLinesAsync(server, workspace.Id, await FillAsync(server, workspace.Id, 10));
        using var cli = new ServerProcess();
        var intact = Path.Combine(cli.DataDirectory, "intact.jsonl");
        var tampered = Path.Combine(cli.DataDirectory, "tampered.jsonl");
        await File.WriteAllLinesAsync(intact, lines);
        var entries = EntryLineIndexes(lines);
        var edited = lines.ToList();
        edited[entries[4]] = Edit(edited[entries[4]]);
        await File.WriteAllLinesAsync(tampered, edited);

        var ok = await cli.RunCliAsync("audit", "verify", intact);
        Assert.True(ok.ExitCode == 0, ok.Output + ok.Error);
        Assert.StartsWith("OK: 11 entries", ok.Output, StringComparison.Ordinal);

        var bad = await cli.RunCliAsync("audit", "verify", tampered);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("FAILED: Entry 4 was modified", bad.Output, StringComparison.Ordinal);
    }

    /// <summary>Appends <paramref name="count"/> entries in write units of 500, with a checkpoint every <see cref="CheckpointEvery"/> entries; returns the log's size.</summary>
    private static async Task<int> FillAsync(TestServer server, string workspaceId, int count)
    {
        var cell = server.Cell(Region.Eu);
        var log = server.Services.GetRequiredService<ActivityLog>();
        var checkpointer = server.Services.GetRequiredService<ActivityCheckpointer>();
        var size = 1; // the workspace's creation
        while (size < count + 1)
        {
            var batch = Math.Min(500, Math.Min(count + 1 - size, CheckpointEvery - (size % CheckpointEvery)));
            await cell.Writer.WriteAsync(async (db, ct) =>
            {
                for (var i = 0; i < batch; i++)
                {
                    await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                        ActivityTypes.ContactDeletion, ActivityActor.Confide, "A contact was erased.", new ActivityTarget("contact", $"c{size + i:D6}")), ct);
                }
            });
            size += batch;
            if (size % CheckpointEvery == 0)
            {
                await checkpointer.CheckpointAsync(cell, workspaceId, CancellationToken.None);
            }
        }

        return size;
    }

    private static async Task<List<string>> ExportLinesAsync(TestServer server, string workspaceId, int expectedEntries)
    {
        using var buffer = new MemoryStream();
        var summary = await server.Services.GetRequiredService<ActivityLogExporter>().WriteAsync(server.Cell(Region.Eu), workspaceId, buffer, CancellationToken.None);
        Assert.Equal(expectedEntries, summary.Entries);
        return [.. Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static List<int> EntryLineIndexes(List<string> lines) =>
        [.. lines.Select((line, index) => (line, index)).Where(l => l.line.StartsWith("{\"kind\":\"activity\"", StringComparison.Ordinal)).Select(l => l.index)];

    /// <summary>Changes one character of the entry's description: a small, plausible edit.</summary>
    private static string Edit(string line)
    {
        const string field = "\"activity_description\":\"";
        var at = line.IndexOf(field, StringComparison.Ordinal) + field.Length;
        return string.Concat(line.AsSpan(0, at), line[at] == 'X' ? "Y" : "X", line.AsSpan(at + 1));
    }

    private static List<string> RechainFrom(List<string> lines, List<int> entryLine, int k)
    {
        var forged = lines.ToList();
        forged[entryLine[k]] = Edit(forged[entryLine[k]]);
        for (var next = k + 1; next < entryLine.Count; next++)
        {
            var previousHash = Convert.ToHexStringLower(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(forged[entryLine[next - 1]])));
            forged[entryLine[next]] = ReplaceHexField(forged[entryLine[next]], "previous_hash", previousHash);
        }

        return forged;
    }

    private static string ReplaceHexField(string line, string name, string? value = null)
    {
        var field = $"\"{name}\":\"";
        var at = line.IndexOf(field, StringComparison.Ordinal) + field.Length;
        value ??= new string(line.AsSpan(at, 64).ToArray().Select(c => c == '0' ? '1' : '0').ToArray());
        return string.Concat(line.AsSpan(0, at), value, line.AsSpan(at + 64));
    }

    private static MemoryStream Stream(List<string> lines) => new(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
}
