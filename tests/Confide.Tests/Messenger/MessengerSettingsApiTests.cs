using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confide.Crypto;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Messenger;

/// <summary>The messenger settings and identity secrets endpoints: shapes, validation, sealing, activity entries and who may call them.</summary>
public sealed class MessengerSettingsApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Secrets_AreShownOnce_NeverListed_TwoActiveAtMost_AndEachChangeIsLogged(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        var first = await (await owner.PostAsync("confide/messenger_secrets", null)).JsonAsync();
        Assert.Equal("messenger_secret", first.Str("type"));
        Assert.Equal(32, Base64Url.DecodeFromChars(first.Str("secret")).Length);
        Assert.True(first.GetProperty("created_at").GetInt64() > 0);
        var second = await (await owner.PostAsync("confide/messenger_secrets", null)).JsonAsync();
        Assert.NotEqual(first.Str("secret"), second.Str("secret"));
        string[] secrets = [first.Str("secret"), second.Str("secret")];

        var conflict = await (await owner.PostAsync("confide/messenger_secrets", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Contains("retire one", conflict.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);

        var listed = await (await owner.GetAsync("confide/messenger_secrets")).JsonAsync();
        Assert.Equal("messenger_secret.list", listed.Str("type"));
        Assert.Equal([second.Str("id"), first.Str("id")], listed.GetProperty("data").EnumerateArray().Select(s => s.Str("id")));
        Assert.All(listed.GetProperty("data").EnumerateArray(), s =>
        {
            Assert.False(s.TryGetProperty("secret", out _));
            Assert.True(s.GetProperty("active").GetBoolean());
            Assert.Equal(JsonValueKind.Null, s.GetProperty("retired_at").ValueKind);
        });
        AssertNoSecretIn(listed.GetRawText(), secrets);

        var retired = await (await owner.DeleteAsync($"confide/messenger_secrets/{first.Str("id")}")).JsonAsync();
        Assert.False(retired.GetProperty("active").GetBoolean());
        Assert.True(retired.GetProperty("retired_at").GetInt64() > 0);
        // Retiring again changes nothing; another workspace's or a made-up id is not found.
        await (await owner.DeleteAsync($"confide/messenger_secrets/{first.Str("id")}")).JsonAsync();
        await (await owner.DeleteAsync("confide/messenger_secrets/0123456789abcdef01234567")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var otherOwner = other.Client();
        await (await otherOwner.DeleteAsync($"confide/messenger_secrets/{second.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await otherOwner.GetAsync("confide/messenger_secrets")).JsonAsync()).GetProperty("data").EnumerateArray());

        var third = await (await owner.PostAsync("confide/messenger_secrets", null)).JsonAsync();
        secrets = [.. secrets, third.Str("secret")];
        var afterRotation = (await (await owner.GetAsync("confide/messenger_secrets")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([true, true, false], afterRotation.Select(s => s.GetProperty("active").GetBoolean()));

        var entries = (await ActivityLogTests.AllEntriesAsync(owner)).Where(e => e.Str("activity_type").StartsWith("messenger_api_secret", StringComparison.Ordinal)).ToList();
        Assert.Equal(["messenger_api_secret_creation", "messenger_api_secret_creation", "messenger_api_secret_deletion", "messenger_api_secret_creation"],
            entries.Select(e => e.Str("activity_type")));
        Assert.Equal([first.Str("id"), second.Str("id"), first.Str("id"), third.Str("id")], entries.Select(e => e.GetProperty("target").Str("id")));
        AssertNoSecretIn(string.Join('\n', entries.Select(e => e.GetRawText())), secrets);

        await AssertSealedAsync(server, workspace, third.Str("id"), third.Str("secret"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Settings_StartAtTheDefaults_AreNormalised_AndEachChangeIsLogged(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        using var rsa = RSA.Create(2048);

        var defaults = await (await owner.GetAsync("confide/messenger_settings")).JsonAsync();
        Assert.Equal("messenger_settings", defaults.Str("type"));
        Assert.False(defaults.GetProperty("identity_verification_enforced").GetBoolean());
        Assert.Empty(defaults.GetProperty("allowed_origins").EnumerateArray());
        Assert.Equal(3600, defaults.GetProperty("jwt_max_lifetime_seconds").GetInt32());
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("jwks").ValueKind);

        var changed = await (await owner.PutAsJsonAsync("confide/messenger_settings", new
        {
            identity_verification_enforced = true,
            allowed_origins = new[]
            {
                "HTTPS://Example.COM", "https://app.example.com:8443", "http://localhost:3000", "https://example.com/", "https://shop.example.com:443",
                "https://Bücher.example", "http://[::1]:8080",
            },
            jwt_max_lifetime_seconds = 600,
            jwks = new { keys = new[] { IdentityTokens.RsaJwk(rsa, "rsa-1") } },
        })).JsonAsync();
        Assert.True(changed.GetProperty("identity_verification_enforced").GetBoolean());
        Assert.Equal(["https://example.com", "https://app.example.com:8443", "http://localhost:3000", "https://shop.example.com", "https://xn--bcher-kva.example", "http://[::1]:8080"],
            changed.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(600, changed.GetProperty("jwt_max_lifetime_seconds").GetInt32());
        Assert.Equal("rsa-1", changed.GetProperty("jwks").GetProperty("keys")[0].Str("kid"));
        Assert.Equal(changed.GetRawText(), (await (await owner.GetAsync("confide/messenger_settings")).JsonAsync()).GetRawText());

        // The same values again record nothing; absent fields stay; null clears the key set.
        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = true, jwt_max_lifetime_seconds = 600 })).JsonAsync();
        var cleared = await (await owner.PutAsync("confide/messenger_settings", JsonBody("""{"jwks":null}"""))).JsonAsync();
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("jwks").ValueKind);
        Assert.True(cleared.GetProperty("identity_verification_enforced").GetBoolean());
        Assert.Equal(6, cleared.GetProperty("allowed_origins").GetArrayLength());

        var entries = (await ActivityLogTests.AllEntriesAsync(owner)).Where(e => e.Str("activity_type") == "app_identity_verification_change").ToList();
        Assert.Equal(2, entries.Count);
        var first = entries[0].GetProperty("metadata");
        Assert.False(first.GetProperty("before").GetProperty("identity_verification_enforced").GetBoolean());
        Assert.True(first.GetProperty("after").GetProperty("identity_verification_enforced").GetBoolean());
        Assert.Equal(["rsa-1"], first.GetProperty("after").GetProperty("jwks_key_ids").EnumerateArray().Select(k => k.GetString()));
        Assert.True(first.GetProperty("jwks_changed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, entries[1].GetProperty("metadata").GetProperty("after").GetProperty("jwks_key_ids").ValueKind);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Settings_RefuseBadOriginsLifetimesAndKeys_WithIntercomErrors(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        using var rsa = RSA.Create(2048);
        using var smallRsa = RSA.Create(1024);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var privateRsa = rsa.ExportParameters(true);
        var publicJwk = JsonSerializer.SerializeToNode(IdentityTokens.RsaJwk(rsa, "rsa-1"))!.AsObject();
        var privateJwk = publicJwk.DeepClone().AsObject();
        privateJwk["d"] = Base64Url.EncodeToString(privateRsa.D);
        privateJwk["p"] = Base64Url.EncodeToString(privateRsa.P);
        privateJwk["q"] = Base64Url.EncodeToString(privateRsa.Q);
        var p384Jwk = JsonSerializer.SerializeToNode(IdentityTokens.EcJwk(p384, "ec"))!.AsObject();
        p384Jwk["crv"] = "P-384";

        string[] badOrigins = ["*", "https://*.example.com", "http://example.com", "https://example.com/path", "example.com", "https://user@example.com", "https://example.com?x=1", "ftp://example.com", ""];
        foreach (var origin in badOrigins)
        {
            var error = await (await owner.PutAsJsonAsync("confide/messenger_settings", new { allowed_origins = new[] { "https://fine.example.com", origin } }))
                .ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
            Assert.Contains("allowed_origins", error.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        }

        var tooMany = Enumerable.Range(0, 101).Select(i => $"https://site{i}.example.com").ToArray();
        var tooLong = Enumerable.Range(0, 40).Select(i => $"https://{new string('a', 60)}.{new string('b', 60)}.{new string('c', 60)}.example{i}.com").ToArray();
        foreach (var origins in new[] { tooMany, tooLong })
        {
            await (await owner.PutAsJsonAsync("confide/messenger_settings", new { allowed_origins = origins })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        foreach (var lifetime in new[] { 0, 59, 86_401 })
        {
            await (await owner.PutAsJsonAsync("confide/messenger_settings", new { jwt_max_lifetime_seconds = lifetime })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        object[] badKeySets =
        [
            new { keys = new[] { privateJwk } },
            new { keys = new object[] { new { kty = "oct", k = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) } } },
            new { keys = new[] { p384Jwk } },
            new { keys = new[] { IdentityTokens.RsaJwk(smallRsa, "small") } },
            new { keys = new object[] { new { kty = "RSA", n = "AQAB" } } },
            // A point that is not on P-256 (x = 1, y = 2), and one with short coordinates.
            new { keys = new object[] { new { kty = "EC", crv = "P-256", x = Base64Url.EncodeToString([.. new byte[31], 1]), y = Base64Url.EncodeToString([.. new byte[31], 2]) } } },
            new { keys = new object[] { new { kty = "EC", crv = "P-256", x = Base64Url.EncodeToString([1]), y = Base64Url.EncodeToString([2]) } } },
            // An RSA key the platform refuses to import (exponent 0).
            new { keys = new object[] { new { kty = "RSA", n = Base64Url.EncodeToString(rsa.ExportParameters(false).Modulus), e = "AA" } } },
            new { keys = Array.Empty<object>() },
            new { other = 1 },
            "not a key set",
        ];
        foreach (var jwks in badKeySets)
        {
            await (await owner.PutAsJsonAsync("confide/messenger_settings", new { jwks })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        var privateError = await (await owner.PutAsJsonAsync("confide/messenger_settings", new { jwks = new { keys = new[] { privateJwk } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Contains("private", privateError.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        Assert.DoesNotContain(privateJwk["d"]!.GetValue<string>(), privateError.GetRawText(), StringComparison.Ordinal);
        await (await owner.PutAsync("confide/messenger_settings", JsonBody("{}"))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");

        // Nothing was stored and nothing logged.
        var settings = await (await owner.GetAsync("confide/messenger_settings")).JsonAsync();
        Assert.Empty(settings.GetProperty("allowed_origins").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("jwks").ValueKind);
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(owner), e => e.Str("activity_type") == "app_identity_verification_change");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WithoutSecurityManage_NothingCanBeReadOrChanged(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var secretId = (await (await owner.PostAsync("confide/messenger_secrets", null)).JsonAsync()).Str("id");
        foreach (var role in new[] { "agent", "viewer" })
        {
            var teammate = (await (await owner.PostJsonAsync("confide/teammates", new { email = $"{role}-{Guid.NewGuid():N}@example.com", role })).JsonAsync()).Str("id");
            await workspace.EnsureJoinedAsync(teammate);
            await using var scope = server.Services.CreateAsyncScope();
            var caller = new ApiCaller(workspace.Id, teammate, "") { Role = role, Permissions = BuiltInRoles.PermissionsOf(role) };
            var token = await scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>()
                .CreateAsync(server.Cell(Region.Eu), caller, $"{role} token", null, null, CancellationToken.None);
            using var client = server.Client(Region.Eu, token.Secret);

            await (await client.GetAsync("confide/messenger_settings")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await client.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = false })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await client.GetAsync("confide/messenger_secrets")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await client.PostAsync("confide/messenger_secrets", null)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await client.DeleteAsync($"confide/messenger_secrets/{secretId}")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        Assert.True((await (await owner.GetAsync("confide/messenger_secrets")).JsonAsync()).GetProperty("data")[0].GetProperty("active").GetBoolean());
    }

    /// <summary>The row holds neither the secret as shown nor its bytes, opens only under its own id, and opens to the secret.</summary>
    private static async Task AssertSealedAsync(TestServer server, TestWorkspace workspace, string secretId, string secret)
    {
        var cell = server.Cell(Region.Eu);
        byte[] sealedSecret;
        await using (var db = cell.CreateReadContext())
        {
            sealedSecret = (await db.MessengerSecrets.SingleAsync(s => s.Id == secretId)).SealedSecret;
        }

        Assert.False(Contains(sealedSecret, Encoding.UTF8.GetBytes(secret)));
        Assert.False(Contains(sealedSecret, Base64Url.DecodeFromChars(secret)));
        var workforce = await server.Services.GetRequiredService<WorkspaceKeyRing>().WorkforceAsync(cell, workspace.Id, CancellationToken.None);
        Assert.Equal(secret, workforce.OpenMessengerSecret(secretId, sealedSecret));
        Assert.Throws<CryptoIntegrityException>(() => workforce.OpenMessengerSecret("0123456789abcdef01234567", sealedSecret));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static void AssertNoSecretIn(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");
}
