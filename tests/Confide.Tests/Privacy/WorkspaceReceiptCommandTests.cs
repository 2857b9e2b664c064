using System.Net;
using System.Text.Json.Nodes;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Privacy;

/// <summary>
/// <c>confide workspace receipt</c> prints a deleted workspace's receipt beside a running server,
/// and <c>confide receipts verify</c> checks it as it checks erasure receipts.
/// </summary>
public sealed class WorkspaceReceiptCommandTests
{
    [Fact]
    public async Task TheReceiptOfADeletedWorkspace_IsPrinted_AndVerifiesWithTheSameCommand()
    {
        using var server = new ServerProcess();
        var dir = Directory.CreateTempSubdirectory("confide-workspace-receipt-").FullName;
        try
        {
            await server.StartAsync();
            var created = await server.CreateWorkspaceAsync(Region.Eu, "Printed", $"owner-{Guid.NewGuid():N}@example.com");
            var workspaceId = created.Str("workspace_id");
            using var full = server.ClientFor(Region.Eu, created.Str("access_token"));
            var scoped = await (await full.PostJsonAsync("confide/api_tokens", new { name = "delete", scopes = new[] { "workspace.delete" } })).JsonAsync();
            using var owner = server.ClientFor(Region.Eu, scoped.Str("access_token"));

            var (missing, _, notYet) = await server.RunCliAsync("workspace", "receipt", workspaceId);
            Assert.Equal(1, missing);
            Assert.Contains("No deletion", notYet, StringComparison.Ordinal);
            Assert.Equal(2, (await server.RunCliAsync("workspace", "receipt", "not-a-workspace")).ExitCode);

            await (await owner.PostJsonAsync("confide/workspace_deletion", new { confirm_name = "Printed", grace_days = 0 })).JsonAsync();
            await Poll.UntilAsync(async () => (await full.GetAsync("me")).StatusCode, s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the token to be refused");
            var printed = await Poll.UntilAsync(
                () => server.RunCliAsync("workspace", "receipt", workspaceId), r => r.ExitCode == 0, TimeSpan.FromSeconds(60), "the receipt to be printed");
            Assert.Contains(workspaceId, printed.Output, StringComparison.Ordinal);

            var receiptFile = Path.Combine(dir, "receipt.json");
            var keysFile = Path.Combine(dir, "keys.json");
            await File.WriteAllTextAsync(receiptFile, printed.Output.Trim());
            using (var anonymous = server.ClientFor(Region.Eu, null))
            {
                await File.WriteAllBytesAsync(keysFile, await anonymous.GetByteArrayAsync(".well-known/confide/activity-log-keys"));
            }

            var genuine = await server.RunCliAsync("receipts", "verify", receiptFile, "--keys-file", keysFile);
            Assert.True(genuine.ExitCode == 0, genuine.Output + genuine.Error);
            Assert.StartsWith("OK: workspace-deletion receipt", genuine.Output, StringComparison.Ordinal);

            var tampered = JsonNode.Parse(printed.Output)!.AsObject();
            tampered["completed_at"] = tampered["completed_at"]!.GetValue<long>() + 1;
            var tamperedFile = Path.Combine(dir, "tampered.json");
            await File.WriteAllTextAsync(tamperedFile, tampered.ToJsonString());
            var (exitCode, output, _) = await server.RunCliAsync("receipts", "verify", tamperedFile, "--keys-file", keysFile);
            Assert.Equal(1, exitCode);
            Assert.StartsWith("FAILED:", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
