using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Crypto;

/// <summary><c>confide keys rotate</c> as an operator runs it: plain progress when redirected, clear errors and exit codes.</summary>
public sealed class KeysRotateCommandTests
{
    [Fact]
    public async Task Rotate_PrintsProgressAndSummary_AndFailsClearlyOnBadInput()
    {
        using var server = new ServerProcess();
        var created = await server.CreateWorkspaceAsync(Region.Eu, "Rotate", "owner@example.com");
        var workspaceId = created.Str("workspace_id");

        var rotated = await server.RunCliAsync("keys", "rotate", "--region", "eu", "--grace-seconds", "0");
        Assert.True(rotated.ExitCode == 0, rotated.Error);
        // Three workspace keys and the region's activity-log signing key.
        Assert.Contains("eu: re-wrapping stored keys: 4/4", rotated.Output, StringComparison.Ordinal);
        Assert.Contains("keys re-wrapped:  4", rotated.Output, StringComparison.Ordinal);
        Assert.Contains("Back up the key file", rotated.Output, StringComparison.Ordinal);

        var unknown = await server.RunCliAsync("keys", "rotate", "--region", "xx");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unknown or unserved region 'xx'", unknown.Error, StringComparison.Ordinal);

        var dataKey = await server.RunCliJsonAsync("keys", "rotate", "--region", "eu", "--workspace", workspaceId, "--json");
        Assert.Equal(workspaceId, dataKey.Str("workspace_id"));
        Assert.Single(dataKey.GetProperty("old_key_ids").EnumerateArray());
        var contacts = await server.RunCliJsonAsync("keys", "rotate", "--region", "eu", "--workspace", workspaceId, "--all-contacts", "--json");
        Assert.Equal(0, contacts.GetProperty("contacts").GetInt32());

        // Each rotation is one entry in the workspace's activity log, which still verifies with
        // its signing key re-wrapped under the new master key.
        var export = Path.Combine(server.DataDirectory, "activity.jsonl");
        var exported = await server.RunCliAsync("audit", "export", "--region", "eu", "--workspace", workspaceId, "--out", export);
        Assert.True(exported.ExitCode == 0, exported.Error);
        var types = File.ReadLines(export)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "activity")
            .Select(e => e.GetProperty("activity_type").GetString())
            .ToList();
        Assert.Equal(["workspace_creation", "master_key_rotation", "workspace_key_rotation", "contact_key_rotation", "activity_log_export"], types);
        var verified = await server.RunCliAsync("audit", "verify", export);
        Assert.True(verified.ExitCode == 0, verified.Output);

        var otherRegion = await server.RunCliAsync("keys", "rotate", "--region", "us", "--workspace", workspaceId);
        Assert.Equal(2, otherRegion.ExitCode);
        Assert.Contains("is not a workspace id of region 'us'", otherRegion.Error, StringComparison.Ordinal);
        var noContact = await server.RunCliAsync("keys", "rotate", "--region", "eu", "--workspace", workspaceId, "--contact", "0123456789abcdef01234567");
        Assert.Equal(1, noContact.ExitCode);
        Assert.Contains("does not exist", noContact.Error, StringComparison.Ordinal);

        var keyFile = Path.Combine(server.DataDirectory, "keys", "eu", "master.key");
        File.Move(keyFile, keyFile + ".bak");
        var missing = await server.RunCliAsync("keys", "rotate", "--region", "eu");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Region 'eu'", missing.Error, StringComparison.Ordinal);
        Assert.Contains(keyFile, missing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(keyFile));
    }
}
