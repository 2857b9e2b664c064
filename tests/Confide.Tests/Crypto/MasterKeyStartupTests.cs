using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Crypto;

/// <summary>A region whose master key is missing or not its own does not start, and says why.</summary>
public sealed class MasterKeyStartupTests
{
    [Fact]
    public async Task MissingOrSwappedKeyFile_StopsStartUpNamingRegionAndFile()
    {
        using var server = new ServerProcess();
        await server.StartAsync();
        await server.CreateWorkspaceAsync(Region.Eu, "Keys", "owner@example.com");
        var status = await server.RunCliJsonAsync("keys", "status", "--json");
        var eu = status.EnumerateArray().Single(r => r.Str("region") == "eu");
        Assert.Equal(3, eu.GetProperty("workspace_keys").GetInt32()); // lookup-index, data and workforce
        Assert.Contains("master.key", eu.Str("master_key_source"), StringComparison.Ordinal);
        Assert.Equal("sqlite", eu.Str("contact_key_store"));
        Assert.EndsWith(Path.Combine("keys", "eu", "contact-keys.db"), eu.Str("contact_key_store_location"), StringComparison.Ordinal);
        // Added fields: each held version, whether it is current, and what it wraps; key ages.
        var version = Assert.Single(eu.GetProperty("master_key_versions").EnumerateArray());
        Assert.Equal(eu.Str("master_key_id"), version.Str("key_id"));
        Assert.True(version.GetProperty("current").GetBoolean());
        Assert.True(version.GetProperty("held").GetBoolean());
        Assert.Equal(3, version.GetProperty("wrapped_keys").GetInt32());
        Assert.True(DateTimeOffset.Parse(eu.Str("oldest_workspace_key"), System.Globalization.CultureInfo.InvariantCulture) <= DateTimeOffset.Parse(eu.Str("newest_workspace_key"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, status.EnumerateArray().Single(r => r.Str("region") == "us").GetProperty("workspace_keys").GetInt32());
        await server.StopAsync();

        var euKey = Path.Combine(server.DataDirectory, "keys", "eu", "master.key");
        var usKey = Path.Combine(server.DataDirectory, "keys", "us", "master.key");
        Assert.True(File.Exists(euKey));

        File.Move(euKey, euKey + ".bak");
        var (missingExit, missingOutput) = await server.StartExpectingFailureAsync();
        Assert.NotEqual(0, missingExit);
        Assert.Contains("Region 'eu'", missingOutput, StringComparison.Ordinal);
        Assert.Contains(euKey, missingOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(euKey), "a missing key must not be silently recreated");

        File.Copy(usKey, euKey);
        var (swappedExit, swappedOutput) = await server.StartExpectingFailureAsync();
        Assert.NotEqual(0, swappedExit);
        Assert.Contains("Region 'eu'", swappedOutput, StringComparison.Ordinal);
        Assert.Contains("not this region's key", swappedOutput, StringComparison.Ordinal);

        File.Delete(euKey);
        File.Move(euKey + ".bak", euKey);
        await server.StartAsync();
    }
}
