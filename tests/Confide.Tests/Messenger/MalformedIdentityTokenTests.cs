using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Messenger;

/// <summary>A <c>user_jwt</c> that does not parse, or whose dates sit at the ends of the calendar, is a 401 at boot: never a 500.</summary>
public sealed class MalformedIdentityTokenTests(Servers servers)
{
    private const string Header = """{"alg":"HS256","typ":"JWT"}""";

    /// <summary>Tokens whose header or payload is not base64url JSON, or holds claims the token library cannot take.</summary>
    public static readonly string[] MalformedTokens =
    [
        "a.b.c",
        $"{Part(Header)}.{Part("not json")}.c2ln",
        $"{Part(Header)}.{Part("[1]")}.c2ln",
        $"{Part(Header)}.{Part("null")}.c2ln",
        $"{Part("[1]")}.{Part("{}")}.c2ln",
        $"{Part("""{"alg":5}""")}.{Part("{}")}.c2ln",
        $"{Part(Header)}.{Part("""{"aud":["w",5]}""")}.c2ln",
        $"{Part(Header)}.{Part("""{"exp":1e300}""")}.c2ln",
        $"{Part(Header)}.{Part("""{"user_id":"\ud800"}""")}.c2ln",
        "..",
        // Five segments (the JWE form), one not base64url: the library throws FormatException.
        "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJldV9mJ9.e30.e30.c2ln",
    ];

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MalformedUserJwt_AtBoot_Is401IdentityVerificationFailed(string provider)
    {
        var (server, workspace, _) = await EnforcingWorkspaceAsync(provider);
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);

        foreach (var token in MalformedTokens)
        {
            var response = await visitor.BootAsync(new { user_id = "u-1", user_jwt = token });
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{token}: {response.StatusCode}");
            await response.ErrorAsync(HttpStatusCode.Unauthorized, "identity_verification_failed");
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SignedUserJwt_WithDatesAtTheEndsOfTheCalendar_Is401(string provider)
    {
        var (server, workspace, secret) = await EnforcingWorkspaceAsync(provider);
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // exp in year 9999 and iat at year 1: adding or subtracting the clock skew would overflow.
        Dictionary<string, object?>[] claims =
        [
            new() { ["aud"] = workspace.Id, ["user_id"] = "u-1", ["iat"] = now, ["exp"] = 253_402_300_799L },
            new() { ["aud"] = workspace.Id, ["user_id"] = "u-1", ["iat"] = -62_135_596_770L, ["exp"] = now + 60 },
            new() { ["aud"] = workspace.Id, ["user_id"] = "u-1", ["iat"] = now, ["exp"] = now + 60, ["nbf"] = -62_135_596_770L },
        ];
        foreach (var claim in claims)
        {
            var response = await visitor.BootAsync(new { user_jwt = IdentityTokens.Hs256(secret, claim) });
            Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.OK, $"{response.StatusCode}");
        }
    }

    private async Task<(TestServer, TestWorkspace, string Secret)> EnforcingWorkspaceAsync(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var secret = (await (await api.PostAsync("confide/messenger_secrets", null)).JsonAsync()).Str("secret");
        await (await api.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = true })).JsonAsync();
        return (server, workspace, secret);
    }

    private static string Part(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
