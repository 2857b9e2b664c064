using System.Text.Json;
using Confide.Crypto;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Crypto;

/// <summary>A real server (its own process) whose eu region keeps its master key in a SoftHSM2 token.</summary>
public sealed class Pkcs11ServerTests
{
    private const string KeyLabel = "confide-eu-master";

    [Fact]
    public async Task EuOnPkcs11_DataStaysReadableAcrossRestarts_AndARotationByAnotherProcessIsFollowed()
    {
        var token = TestHsm.CreateToken();
        using var server = new ServerProcess();
        UseToken(server, token);
        await server.StartAsync();
        var first = await server.CreateWorkspaceAsync(Region.Eu, "HSM", "owner@example.com");
        string contact;
        using (var client = server.ClientFor(Region.Eu, first.Str("access_token")))
        {
            contact = (await (await client.PostJsonAsync("contacts", new { email = "ada@example.com", external_id = "hsm-1" })).JsonAsync()).Str("id");
            Assert.Equal([contact], await SearchByEmailAsync(client, "ada@example.com"));
        }

        var status = await EuKeyStatusAsync(server);
        Assert.Contains("PKCS#11", status.Str("master_key_source"), StringComparison.Ordinal);
        Assert.Contains(token.Label, status.Str("master_key_source"), StringComparison.Ordinal);
        Assert.DoesNotContain(token.Pin, status.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(server.DataDirectory, "keys", "eu", "master.key")), "an HSM region has no key file");
        var firstKeyId = status.GetProperty("master_key_id").GetGuid();

        await server.StopAsync();
        await server.StartAsync();
        using (var client = server.ClientFor(Region.Eu, first.Str("access_token")))
        {
            Assert.Equal([contact], await SearchByEmailAsync(client, "ada@example.com"));
            Assert.Equal(contact, (await (await client.GetAsync("contacts/find_by_external_id/hsm-1")).JsonAsync()).Str("id"));
        }

        // This test process rotates while the server runs; a CLI process wraps the next
        // workspace's key under the new version, which the server has never seen.
        Guid rotated;
        using (var cli = Pkcs11MasterKeyProvider.Open(Region.Eu, token.Library, token.Label, token.Pin, KeyLabel, createIfMissing: false))
        {
            Assert.Equal(firstKeyId, cli.KeyId);
            rotated = await cli.RotateAsync();
        }

        var second = await server.CreateWorkspaceAsync(Region.Eu, "HSM 2", "owner2@example.com");
        Assert.Equal(rotated, (await EuKeyStatusAsync(server)).GetProperty("master_key_id").GetGuid());
        using (var client = server.ClientFor(Region.Eu, second.Str("access_token")))
        {
            var bob = (await (await client.PostJsonAsync("contacts", new { email = "bob@example.com" })).JsonAsync()).Str("id");
            Assert.Equal([bob], await SearchByEmailAsync(client, "bob@example.com"));
        }

        using (var client = server.ClientFor(Region.Eu, first.Str("access_token")))
        {
            Assert.Equal([contact], await SearchByEmailAsync(client, "ada@example.com"));
        }
    }

    [Fact]
    public async Task MissingTokenWrongPinOrEmptyToken_StopsStartUp_NamingRegionAndToken()
    {
        var token = TestHsm.CreateToken();
        var empty = TestHsm.CreateToken();
        using var server = new ServerProcess();
        UseToken(server, token);
        await server.StartAsync();
        await server.CreateWorkspaceAsync(Region.Eu, "HSM", "owner@example.com");
        await server.StopAsync();

        server.Configure("Confide:Regions:eu:MasterKey:Pkcs11:TokenLabel", "confide-missing-token");
        var (missingExit, missingOutput) = await server.StartExpectingFailureAsync();
        Assert.NotEqual(0, missingExit);
        Assert.Contains("Region 'eu'", missingOutput, StringComparison.Ordinal);
        Assert.Contains("no PKCS#11 token labelled 'confide-missing-token'", missingOutput, StringComparison.Ordinal);

        UseToken(server, token);
        server.EnvironmentVariables["CONFIDE_EU_HSM_PIN"] = "0000" + token.Pin;
        var (pinExit, pinOutput) = await server.StartExpectingFailureAsync();
        Assert.NotEqual(0, pinExit);
        Assert.Contains("Region 'eu'", pinOutput, StringComparison.Ordinal);
        Assert.Contains("rejected the PIN", pinOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Pin, pinOutput, StringComparison.Ordinal);

        UseToken(server, empty);
        var (emptyExit, emptyOutput) = await server.StartExpectingFailureAsync();
        Assert.NotEqual(0, emptyExit);
        Assert.Contains("Region 'eu'", emptyOutput, StringComparison.Ordinal);
        Assert.Contains($"'{empty.Label}'", emptyOutput, StringComparison.Ordinal);
        Assert.Contains("holds no master key", emptyOutput, StringComparison.Ordinal);
        // Refusing must not have created a key on the wrong token.
        Assert.Throws<MasterKeyUnavailableException>(() => Pkcs11MasterKeyProvider.Open(Region.Eu, empty.Library, empty.Label, empty.Pin, KeyLabel, createIfMissing: false));

        UseToken(server, token);
        await server.StartAsync();
    }

    private static void UseToken(ServerProcess server, HsmToken token)
    {
        server.Configure("Confide:Regions:eu:MasterKey:Provider", "pkcs11");
        server.Configure("Confide:Regions:eu:MasterKey:Pkcs11:Library", token.Library);
        server.Configure("Confide:Regions:eu:MasterKey:Pkcs11:TokenLabel", token.Label);
        server.EnvironmentVariables["SOFTHSM2_CONF"] = token.ConfigurationPath;
        server.EnvironmentVariables["CONFIDE_EU_HSM_PIN"] = token.Pin;
    }

    private static async Task<JsonElement> EuKeyStatusAsync(ServerProcess server) =>
        (await server.RunCliJsonAsync("keys", "status", "--region", "eu", "--json")).EnumerateArray().Single();

    private static async Task<string[]> SearchByEmailAsync(HttpClient client, string email)
    {
        var result = await (await client.PostJsonAsync("contacts/search", new { query = new { field = "email", @operator = "=", value = email } })).JsonAsync();
        return [.. result.GetProperty("data").EnumerateArray().Select(c => c.Str("id"))];
    }
}
