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
        await server.CreateWorkspaceAsync(Region.Eu, "Rotate", "owner@example.com");

        var rotated = await server.RunCliAsync("keys", "rotate", "--region", "eu", "--grace-seconds", "0");
        Assert.True(rotated.ExitCode == 0, rotated.Error);
        Assert.Contains("eu: re-wrapping stored keys: 1/1", rotated.Output, StringComparison.Ordinal);
        Assert.Contains("keys re-wrapped:  1", rotated.Output, StringComparison.Ordinal);
        Assert.Contains("Back up the key file", rotated.Output, StringComparison.Ordinal);

        var unknown = await server.RunCliAsync("keys", "rotate", "--region", "xx");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unknown or unserved region 'xx'", unknown.Error, StringComparison.Ordinal);

        var workspace = await server.RunCliAsync("keys", "rotate", "--region", "eu", "--workspace", "eu_k3j9x2m4q8w1");
        Assert.Equal(2, workspace.ExitCode);
        Assert.Contains("not available in this command yet", workspace.Error, StringComparison.Ordinal);

        var keyFile = Path.Combine(server.DataDirectory, "keys", "eu", "master.key");
        File.Move(keyFile, keyFile + ".bak");
        var missing = await server.RunCliAsync("keys", "rotate", "--region", "eu");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Region 'eu'", missing.Error, StringComparison.Ordinal);
        Assert.Contains(keyFile, missing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(keyFile));
    }
}
