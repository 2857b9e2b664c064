using System.Net.Http.Json;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Confide.Messaging.Messenger.Verification.MessengerIdentityResult;

namespace Confide.Tests.Messenger;

/// <summary>
/// What the messenger may believe about an end user: every proof that should verify does, every
/// one that should not is refused with enforcement on and left unverified (never trusted) with it off.
/// </summary>
public sealed class MessengerIdentityVerifierTests(Servers servers)
{
    private const string UserId = "user-42";
    private const string Email = "ada@example.com";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task NoSettingsRow_IsTheDefaults_AnonymousStaysAnonymous_AndNoProofIsNotTrusted(string provider)
    {
        var (server, workspace) = await WorkspaceAsync(provider);

        Assert.IsType<Anonymous>(await VerifyAsync(server, workspace, new(null, null, null, null, null)));
        Assert.IsType<Anonymous>(await VerifyAsync(server, workspace, new("", "", "Ada", "", "")));
        // Without secrets or keys nothing can verify, and nothing is refused while enforcement is off.
        Assert.IsType<Unverified>(await VerifyAsync(server, workspace, new(UserId, Email, "Ada", null, null)));
        Assert.IsType<Unverified>(await VerifyAsync(server, workspace, new(UserId, null, null, new string('0', 64), null)));
        Assert.IsType<Unverified>(await VerifyAsync(server, workspace, new(UserId, null, null, null, IdentityTokens.Hs256(new string('k', 43), Valid(workspace.Id)))));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task UserHash_VerifiesByUserIdOrEmail_InEitherCase_AndNothingElse(string provider)
    {
        var (server, workspace) = await WorkspaceAsync(provider);
        using var owner = workspace.Client();
        var secret = await CreateSecretAsync(owner);

        var byId = await VerifyAsync(server, workspace, new(UserId, Email, "Ada", UserHash.Compute(secret, UserId), null));
        Assert.Equal(new Verified(UserId, Email, "Ada"), byId);
        Assert.Equal(new Verified(UserId, null, null), await VerifyAsync(server, workspace, new(UserId, null, null, UserHash.Compute(secret, UserId).ToUpperInvariant(), null)));
        Assert.Equal(new Verified(null, Email, "Ada"), await VerifyAsync(server, workspace, new(null, Email, "Ada", UserHash.Compute(secret, Email), null)));

        MessengerIdentityClaim[] invalid =
        [
            new(UserId, Email, null, UserHash.Compute("not-the-secret", UserId), null),
            new(UserId, Email, null, UserHash.Compute(secret, "user-43"), null),
            // With a user id the hash is over the id, not the email.
            new(UserId, Email, null, UserHash.Compute(secret, Email), null),
            new(UserId, null, null, "zz" + UserHash.Compute(secret, UserId)[2..], null),
            new(UserId, null, null, UserHash.Compute(secret, UserId)[..62], null),
            new(null, null, null, UserHash.Compute(secret, UserId), null),
            new(UserId, Email, "Ada", null, null),
        ];
        await AssertRefusedOnlyWhenEnforcedAsync(server, workspace, owner, invalid);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Rotation_BothActiveSecretsVerify_ARetiredOneNever(string provider)
    {
        var (server, workspace) = await WorkspaceAsync(provider);
        using var owner = workspace.Client();
        var (oldId, oldSecret) = await CreateSecretWithIdAsync(owner);
        var (_, newSecret) = await CreateSecretWithIdAsync(owner);

        foreach (var secret in new[] { oldSecret, newSecret })
        {
            Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(UserId, null, null, UserHash.Compute(secret, UserId), null)));
            Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(null, null, null, null, IdentityTokens.Hs256(secret, Valid(workspace.Id)))));
        }

        await (await owner.DeleteAsync($"confide/messenger_secrets/{oldId}")).JsonAsync();

        Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(UserId, null, null, UserHash.Compute(newSecret, UserId), null)));
        Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(null, null, null, null, IdentityTokens.Hs256(newSecret, Valid(workspace.Id)))));
        await AssertRefusedOnlyWhenEnforcedAsync(server, workspace, owner,
        [
            new(UserId, null, null, UserHash.Compute(oldSecret, UserId), null),
            new(null, null, null, null, IdentityTokens.Hs256(oldSecret, Valid(workspace.Id))),
        ]);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task IdentityTokens_AcceptOnlyProperlySignedFreshTokensForThisWorkspace(string provider)
    {
        var (server, workspace) = await WorkspaceAsync(provider);
        using var owner = workspace.Client();
        var secret = await CreateSecretAsync(owner);
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var strangerRsa = RSA.Create(2048);
        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { jwks = new { keys = new[] { IdentityTokens.RsaJwk(rsa, "rsa-1"), IdentityTokens.EcJwk(ec, "ec-1") } } })).JsonAsync();
        var id = workspace.Id;
        var now = DateTimeOffset.UtcNow;

        // Signed values win; what the page says about email and name is ignored when a token is used.
        var signed = IdentityTokens.Claims(id, UserId, now, TimeSpan.FromMinutes(5), Email, "Ada Lovelace");
        Assert.Equal(new Verified(UserId, Email, "Ada Lovelace"), await VerifyAsync(server, workspace, new(null, "mallory@example.com", "Mallory", null, IdentityTokens.Hs256(secret, signed))));
        Assert.Equal(new Verified(UserId, null, null), await VerifyAsync(server, workspace, new(UserId, "mallory@example.com", "Mallory", null, IdentityTokens.Hs256(secret, Valid(id)))));
        Assert.Equal(new Verified(UserId, Email, "Ada Lovelace"), await VerifyAsync(server, workspace, new(null, null, null, null, IdentityTokens.Rs256(rsa, "rsa-1", signed))));
        Assert.Equal(new Verified(UserId, Email, "Ada Lovelace"), await VerifyAsync(server, workspace, new(null, null, null, null, IdentityTokens.Es256(ec, "ec-1", signed))));
        // A token preferred over a hash given alongside; a kid the set lacks still finds the key by type.
        Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(null, null, null, "00", IdentityTokens.Rs256(rsa, "unknown-kid", Valid(id)))));

        var hsToken = IdentityTokens.Hs256(secret, Valid(id));
        var publicPem = Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        (string Token, string Failure)[] invalid =
        [
            (IdentityTokens.Hs256("not-the-secret-but-long-enough-for-hs256!!", Valid(id)), "signature"),
            (IdentityTokens.WithPayload(hsToken, IdentityTokens.Claims(id, "user-43", now, TimeSpan.FromMinutes(5))), "signature"),
            (IdentityTokens.WithPayload(IdentityTokens.Rs256(rsa, "rsa-1", Valid(id)), IdentityTokens.Claims(id, "admin", now, TimeSpan.FromMinutes(5))), "signature"),
            (IdentityTokens.Unsigned(Valid(id)), "HS256, RS256 or ES256"),
            // HS/RS confusion: an HMAC keyed with the (public) RSA key, as PEM and as DER.
            (IdentityTokens.Hs256(publicPem, Valid(id)), "signature"),
            (IdentityTokens.Hs256(rsa.ExportSubjectPublicKeyInfo(), Valid(id)), "signature"),
            (IdentityTokens.Rs256(strangerRsa, "rsa-1", Valid(id)), "signature"),
            (IdentityTokens.Hs256(secret, IdentityTokens.Claims(id, UserId, now.AddMinutes(-20), TimeSpan.FromMinutes(10))), "expired"),
            (IdentityTokens.Hs256(secret, Without(Valid(id), "exp")), "no exp"),
            (IdentityTokens.Hs256(secret, Without(Valid(id), "iat")), "no iat"),
            (IdentityTokens.Hs256(secret, IdentityTokens.Claims(id, UserId, now.AddMinutes(5), TimeSpan.FromMinutes(5))), "iat is in the future"),
            (IdentityTokens.Hs256(secret, IdentityTokens.Claims(id, UserId, now.AddMinutes(-1), TimeSpan.FromHours(2))), "lifetime"),
            // exp − iat within the limit, but iat (inside the skew) puts exp beyond it from now.
            (IdentityTokens.Hs256(secret, IdentityTokens.Claims(id, UserId, now.AddSeconds(50), TimeSpan.FromSeconds(3600))), "from now"),
            (IdentityTokens.Hs256(secret, IdentityTokens.Claims("eu_someoneelse", UserId, now, TimeSpan.FromMinutes(5))), "aud"),
            (IdentityTokens.Hs256(secret, Without(Valid(id), "aud")), "aud"),
            (IdentityTokens.Hs256(secret, Without(Valid(id), "user_id")), "user_id"),
            (IdentityTokens.Hs256(secret, With(Valid(id), "user_id", 42)), "user_id"),
            ("not a token", "well-formed"),
            ("e30.e30.e30", "HS256, RS256 or ES256"),
        ];
        List<MessengerIdentityClaim> claims = [.. invalid.Select(t => new MessengerIdentityClaim(null, null, null, null, t.Token))];
        List<string> failures = [.. invalid.Select(t => t.Failure)];
        // A page may not claim someone other than its token's user.
        claims.Add(new MessengerIdentityClaim("user-43", null, null, null, hsToken));
        failures.Add("differs");
        await AssertRefusedOnlyWhenEnforcedAsync(server, workspace, owner, claims, failures);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task IdentityTokens_LifetimeIsTheWorkspacesSetting(string provider)
    {
        var (server, workspace) = await WorkspaceAsync(provider);
        using var owner = workspace.Client();
        var secret = await CreateSecretAsync(owner);
        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { jwt_max_lifetime_seconds = 600 })).JsonAsync();
        var now = DateTimeOffset.UtcNow;

        Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(null, null, null, null,
            IdentityTokens.Hs256(secret, IdentityTokens.Claims(workspace.Id, UserId, now, TimeSpan.FromSeconds(500))))));
        var tooLong = await VerifyAsync(server, workspace, new(null, null, null, null,
            IdentityTokens.Hs256(secret, IdentityTokens.Claims(workspace.Id, UserId, now, TimeSpan.FromSeconds(900)))));
        Assert.Contains("600 seconds", Assert.IsType<Unverified>(tooLong).Reason, StringComparison.Ordinal);
    }

    /// <summary>Tokens made by a library as docs/messenger.md's C# example makes them (with nbf and typ) verify too.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task IdentityTokens_MadeByTheTokenLibrary_AsDocumented_Verify(string provider)
    {
        var (server, workspace) = await WorkspaceAsync(provider);
        using var owner = workspace.Client();
        var secret = await CreateSecretAsync(owner);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { jwks = new { keys = new[] { IdentityTokens.EcJwk(ec, "2026-11") } } })).JsonAsync();

        var userHash = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(UserId)));
        Assert.IsType<Verified>(await VerifyAsync(server, workspace, new(UserId, null, null, userHash, null)));
        foreach (var credentials in new[]
        {
            new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
            new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = "2026-11" }, SecurityAlgorithms.EcdsaSha256),
        })
        {
            var now = DateTime.UtcNow;
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Audience = workspace.Id,
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddMinutes(10),
                Claims = new Dictionary<string, object> { ["user_id"] = UserId, ["email"] = Email, ["name"] = "Ada" },
                SigningCredentials = credentials,
            });
            Assert.Equal(new Verified(UserId, Email, "Ada"), await VerifyAsync(server, workspace, new(UserId, null, null, null, token)));
        }
    }

    [Fact]
    public void UserHash_IsComparedInConstantTime_AgainstEveryKey()
    {
        var fixedTimeEquals = typeof(CryptographicOperations).GetMethod(
            nameof(CryptographicOperations.FixedTimeEquals), BindingFlags.Public | BindingFlags.Static, [typeof(ReadOnlySpan<byte>), typeof(ReadOnlySpan<byte>)]);
        Assert.Equal(fixedTimeEquals, UserHash.FixedTime.Method);

        // Every key is compared, also after a match, so timing does not tell which one matched.
        var keys = new[] { Encoding.UTF8.GetBytes("first"), Encoding.UTF8.GetBytes("second") };
        var given = UserHash.Compute("first", UserId);
        var seen = new List<(byte[] Computed, byte[] Given)>();
        Assert.True(UserHash.Matches(given, UserId, keys, (computed, g) =>
        {
            seen.Add((computed.ToArray(), g.ToArray()));
            return UserHash.FixedTime(computed, g);
        }));
        Assert.Equal(2, seen.Count);
        Assert.All(seen, s => Assert.Equal(Convert.FromHexString(given), s.Given));
        Assert.Equal(Convert.FromHexString(UserHash.Compute("second", UserId)), seen[1].Computed);
        Assert.False(UserHash.Matches(given.ToUpperInvariant()[..^1] + "g", UserId, keys));
        Assert.True(UserHash.Matches(given.ToUpperInvariant(), UserId, keys));
    }

    /// <summary>Each claim is unverified with enforcement off and refused with it on, with a message naming no one.</summary>
    private static async Task AssertRefusedOnlyWhenEnforcedAsync(
        TestServer server, TestWorkspace workspace, HttpClient owner, IReadOnlyList<MessengerIdentityClaim> claims, List<string>? failures = null)
    {
        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = false })).JsonAsync();
        for (var i = 0; i < claims.Count; i++)
        {
            var result = await VerifyAsync(server, workspace, claims[i]);
            Assert.True(result is Unverified { Reason.Length: > 0 }, $"claim {i}: {result}");
            if (failures is not null)
            {
                Assert.Contains(failures[i], ((Unverified)result).Reason, StringComparison.Ordinal);
            }
        }

        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = true })).JsonAsync();
        for (var i = 0; i < claims.Count; i++)
        {
            var result = await VerifyAsync(server, workspace, claims[i]);
            var refused = Assert.IsType<Refused>(result);
            Assert.Equal("identity_verification_failed", refused.Code);
            Assert.DoesNotContain(UserId, refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("user-43", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Email, refused.Message, StringComparison.Ordinal);
        }

        await (await owner.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = false })).JsonAsync();
    }

    private static Dictionary<string, object?> Valid(string workspaceId) => IdentityTokens.Claims(workspaceId, UserId, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    private static Dictionary<string, object?> Without(Dictionary<string, object?> claims, string name)
    {
        claims.Remove(name);
        return claims;
    }

    private static Dictionary<string, object?> With(Dictionary<string, object?> claims, string name, object value)
    {
        claims[name] = value;
        return claims;
    }

    private async Task<(TestServer, TestWorkspace)> WorkspaceAsync(string provider)
    {
        var server = await servers.GetAsync(provider);
        return (server, await server.CreateWorkspaceAsync(Region.Eu));
    }

    private static async Task<MessengerIdentityResult> VerifyAsync(TestServer server, TestWorkspace workspace, MessengerIdentityClaim claim) =>
        await server.Services.GetRequiredService<MessengerIdentityVerifier>().VerifyAsync(server.Cell(Region.Eu), workspace.Id, claim, CancellationToken.None);

    private static async Task<string> CreateSecretAsync(HttpClient owner) => (await CreateSecretWithIdAsync(owner)).Secret;

    private static async Task<(string Id, string Secret)> CreateSecretWithIdAsync(HttpClient owner)
    {
        var created = await (await owner.PostAsync("confide/messenger_secrets", null)).JsonAsync();
        return (created.Str("id"), created.Str("secret"));
    }
}
