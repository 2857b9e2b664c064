using System.Security.Cryptography;
using Confide.Audit;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Audit;

/// <summary>A crafted export is reported invalid, by the library and by <c>confide audit verify</c> (exit 1), never with an exception or a stack trace.</summary>
public sealed class CraftedExportTests
{
    /// <summary>Each edit turns a valid export into one that once made the verifier throw.</summary>
    public static TheoryData<string> Crafts => new(
        "salt-shares-its-quote", "header-workspace-number", "header-without-region", "header-key-not-spki", "header-key-id-null",
        "header-keys-not-array", "checkpoint-tree-size-text", "checkpoint-root-null", "entry-sequence-text", "entry-kind-object",
        "entry-kind-first-object", "header-workspace-lone-surrogate");

    [Theory, MemberData(nameof(Crafts))]
    public void ACraftedExport_IsReportedInvalid_WithoutAnException(string craft)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var lines = Craft(ExportBuilder.Build(4, key), craft);

        var report = ActivityLogVerifier.Verify(ExportBuilder.Stream(lines));

        Assert.False(report.Ok, report.Message);
        Assert.NotNull(report.Line);
    }

    [Fact]
    public void TheUncraftedExport_Verifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var report = ActivityLogVerifier.Verify(ExportBuilder.Stream(ExportBuilder.Build(4, key)));
        Assert.True(report.Ok, report.Message);
    }

    [Fact]
    public async Task TheCommandLineVerifier_ReportsACraftedExportInvalid_WithoutAStackTrace()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cli = new ServerProcess();
        foreach (var craft in new[] { "salt-shares-its-quote", "header-key-not-spki", "checkpoint-root-null" })
        {
            var path = Path.Combine(cli.DataDirectory, $"{craft}.jsonl");
            await File.WriteAllLinesAsync(path, Craft(ExportBuilder.Build(4, key), craft));

            var (exitCode, output, error) = await cli.RunCliAsync("audit", "verify", path);

            Assert.True(exitCode == 1, $"{craft}: exit {exitCode}: {output}{error}");
            Assert.StartsWith("FAILED: ", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", output + error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        }
    }

    internal static List<string> Craft(List<string> lines, string craft)
    {
        var entry = lines.FindIndex(l => l.StartsWith("{\"kind\":\"activity\"", StringComparison.Ordinal));
        var checkpoint = lines.FindIndex(l => l.Contains("\"checkpoint_kind\"", StringComparison.Ordinal));
        switch (craft)
        {
            case "salt-shares-its-quote":
                lines[entry] = lines[entry][..lines[entry].IndexOf("\"salt\":", StringComparison.Ordinal)] + "\"salt\":\"}";
                break;
            case "header-workspace-number":
                lines[0] = lines[0].Replace($"\"workspace_id\":\"{ExportBuilder.WorkspaceId}\"", "\"workspace_id\":5", StringComparison.Ordinal);
                break;
            case "header-without-region":
                lines[0] = lines[0].Replace("\"region\":\"eu\",", "", StringComparison.Ordinal);
                break;
            case "header-key-not-spki":
                // Its key id must match, so the key is checked as a key: the id of these bytes.
                var junk = "AAAA"u8.ToArray();
                var at = lines[0].IndexOf("\"key_id\":\"", StringComparison.Ordinal) + 10;
                lines[0] = lines[0][..at] + Convert.ToHexStringLower(SHA256.HashData(junk))[..16] + lines[0][(at + 16)..];
                at = lines[0].IndexOf("\"public_key\":\"", StringComparison.Ordinal) + 14;
                lines[0] = lines[0][..at] + Convert.ToBase64String(junk) + lines[0][lines[0].IndexOf('"', at)..];
                break;
            case "header-key-id-null":
                var idAt = lines[0].IndexOf("\"key_id\":\"", StringComparison.Ordinal) + 9;
                lines[0] = lines[0][..idAt] + "null" + lines[0][(idAt + 18)..];
                break;
            case "header-keys-not-array":
                lines[0] = lines[0][..lines[0].IndexOf("\"signing_keys\":", StringComparison.Ordinal)] + "\"signing_keys\":7}";
                break;
            case "checkpoint-tree-size-text":
                lines[checkpoint] = System.Text.RegularExpressions.Regex.Replace(lines[checkpoint], "\"tree_size\":(\\d+)", "\"tree_size\":\"$1\"");
                break;
            case "checkpoint-root-null":
                lines[checkpoint] = System.Text.RegularExpressions.Regex.Replace(lines[checkpoint], "\"root_hash\":\"[0-9a-f]+\"", "\"root_hash\":null");
                break;
            case "entry-sequence-text":
                lines[entry] = "{\"workspace_id\":\"x\",\"kind\":\"activity\",\"sequence\":\"0\"}";
                break;
            case "entry-kind-object":
                lines[entry] = "{\"workspace_id\":\"x\",\"kind\":{\"a\":1},\"sequence\":0}";
                break;
            case "entry-kind-first-object":
                lines[entry] = "{\"kind\":[1],\"sequence\":0}";
                break;
            case "header-workspace-lone-surrogate":
                lines[0] = lines[0].Replace($"\"workspace_id\":\"{ExportBuilder.WorkspaceId}\"", "\"workspace_id\":\"\\ud800\"", StringComparison.Ordinal);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(craft), craft, "no such craft");
        }

        return lines;
    }
}
