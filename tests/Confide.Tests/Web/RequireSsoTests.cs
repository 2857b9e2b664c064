using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>
/// "Require SSO": password sign-in is refused, password sessions cannot use the workspace, and
/// only the named break-glass owner may come in without SSO — with a passkey.
/// </summary>
public sealed class RequireSsoTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RequiredSso_RefusesPasswordSignIn_AndPasswordSessions(string provider)
    {
        var server = await servers.GetAsync(provider);
        var strict = await server.CreateWorkspaceAsync(Region.Eu, "Strict");
        var relaxed = await server.CreateWorkspaceAsync(Region.Eu, "Relaxed");
        using var strictApi = strict.Client();
        using var relaxedApi = relaxed.Client();

        // Settings: SSO can be required only with a connection; only an owner can be break-glass.
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { require_sso = true })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await AddConnectionAsync(server, strict.Id);
        var agent = await (await strictApi.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { break_glass_teammate_id = agent.Str("id") })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { break_glass_teammate_id = relaxed.OwnerId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var set = await (await strictApi.PutAsJsonAsync("confide/security_settings", new { require_sso = true, break_glass_teammate_id = strict.OwnerId })).JsonAsync();
        Assert.True(set.GetProperty("require_sso").GetBoolean());
        Assert.Equal(strict.OwnerId, set.Str("break_glass_teammate_id"));

        // The strict owner's only workspace requires SSO: the right password is still refused, and recorded.
        using (var browser = server.Browser(Region.Eu, new CookieContainer()))
        {
            var refused = await browser.PostPasswordAsync(strict.OwnerEmail);
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("requires single sign-on", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("app/inbox")).StatusCode);
        }

        var failures = (await ActivityLogTests.AllEntriesAsync(strictApi)).Where(e => e.Str("activity_type") == "admin_login_failure").ToList();
        Assert.Single(failures, e => e.GetProperty("metadata").Str("reason") == "sso_required");

        // Someone in both workspaces signs in with a password: the relaxed one works, the strict one does not.
        var bothEmail = $"both-{Guid.NewGuid():N}@example.com";
        await (await relaxedApi.PostJsonAsync("confide/teammates", new { email = bothEmail, role = "admin" })).JsonAsync();
        var password = await server.JoinByInvitationAsync(Region.Eu, bothEmail);
        await (await strictApi.PostJsonAsync("confide/teammates", new { email = bothEmail, role = "admin" })).JsonAsync();
        using (var browser = server.Browser(Region.Eu, new CookieContainer()))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(bothEmail, password)).StatusCode);
            // The address had an account when the strict workspace added it: that workspace's invitation is accepted first.
            await browser.AnswerInvitationAsync(Assert.Single(await browser.PendingInvitationsAsync()), accept: true);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"app/inbox?workspace={relaxed.Id}")).StatusCode);
            var strictPage = await browser.GetAsync($"app/inbox?workspace={strict.Id}");
            Assert.Equal(HttpStatusCode.Forbidden, strictPage.StatusCode);
            Assert.Contains($"/app/sso/{strict.Id}/start", await strictPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Turning it off lets passwords in again.
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { require_sso = false })).JsonAsync();
        using (var browser = server.Browser(Region.Eu, new CookieContainer()))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(strict.OwnerEmail)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"app/inbox?workspace={strict.Id}")).StatusCode);
        }

        var changes = (await ActivityLogTests.AllEntriesAsync(strictApi)).Where(e => e.Str("activity_type") == "security_settings_change").ToList();
        Assert.Equal(2, changes.Count);
        Assert.Contains(changes, e => e.GetProperty("metadata").GetProperty("after").GetProperty("require_sso").GetBoolean());
    }

    [Fact]
    public void OnlyTheWorkspacesOwnSso_OrTheBreakGlassOwnersPasskey_SatisfiesTheRequirement()
    {
        var member = new Membership("ws_a", "A", "tm_1", "Ann", "owner", new HashSet<string>(), "off", null, RequireSso: true, IsBreakGlass: false);
        var breakGlass = member with { IsBreakGlass = true };

        Assert.True(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Sso, ssoWorkspace: "ws_a")));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Sso, ssoWorkspace: "ws_b")));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Sso, ssoWorkspace: null)));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Password)));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.PasswordAndSecondFactor)));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Passkey)));
        Assert.False(SignInPolicy.IsSatisfied(member, new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.True(SignInPolicy.IsSatisfied(breakGlass, Session(SignInMethods.Passkey)));
        Assert.False(SignInPolicy.IsSatisfied(breakGlass, Session(SignInMethods.Password)));
        Assert.False(SignInPolicy.IsSatisfied(breakGlass, Session(SignInMethods.PasswordAndSecondFactor)));
        Assert.True(SignInPolicy.IsSatisfied(member with { RequireSso = false }, Session(SignInMethods.Password)));

        Assert.True(SignInPolicy.RefusesPasswordSignIn([member, breakGlass]));
        Assert.False(SignInPolicy.RefusesPasswordSignIn([member, member with { RequireSso = false }]));
        Assert.False(SignInPolicy.RefusesPasswordSignIn([]));
    }

    internal static ClaimsPrincipal Session(string method, string? ssoWorkspace = null)
    {
        var identity = new ClaimsIdentity([new Claim(SessionClaims.Method, method)], "test");
        if (ssoWorkspace is not null)
        {
            identity.AddClaim(new Claim(SessionClaims.SsoWorkspace, ssoWorkspace));
        }

        return new ClaimsPrincipal(identity);
    }

    internal static Task AddConnectionAsync(TestServer server, string workspaceId) =>
        server.Cell(Region.Eu).Writer.WriteAsync(async (db, ct) =>
        {
            db.SsoConnections.Add(new SsoConnection
            {
                Id = "sso_" + Guid.NewGuid().ToString("N")[..20],
                WorkspaceId = workspaceId,
                Protocol = SsoProtocols.Oidc,
                OidcIssuer = "https://idp.example.com",
                OidcClientId = "confide",
                EmailAttribute = "email",
                NameAttribute = "name",
                DefaultRole = "agent",
                AllowedEmailDomains = "",
                CreatedAt = DateTimeOffset.UtcNow,
                UpdatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync(ct);
        }, CancellationToken.None);
}

/// <summary>A workspace's allowed sign-in methods: sessions signed in otherwise cannot use it.</summary>
public sealed class AllowedSignInMethodsTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PasswordSessions_AreRefused_WhereOnlyPasskeysAndSsoAreAllowed(string provider)
    {
        var server = await servers.GetAsync(provider);
        var strict = await server.CreateWorkspaceAsync(Region.Eu, "Passkeys only");
        var relaxed = await server.CreateWorkspaceAsync(Region.Eu, "Anything");
        using var strictApi = strict.Client();

        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { allowed_sign_in_methods = Array.Empty<string>() })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { allowed_sign_in_methods = new[] { "fax" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { allowed_sign_in_methods = new[] { "sso" } })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var all = await (await strictApi.GetAsync("confide/security_settings")).JsonAsync();
        Assert.Equal(["password", "passkey", "sso"], all.GetProperty("allowed_sign_in_methods").EnumerateArray().Select(m => m.GetString()));
        var set = await (await strictApi.PutAsJsonAsync("confide/security_settings", new { allowed_sign_in_methods = new[] { "sso", "passkey" } })).JsonAsync();
        Assert.Equal(["passkey", "sso"], set.GetProperty("allowed_sign_in_methods").EnumerateArray().Select(m => m.GetString()));
        await RequireSsoTests.AddConnectionAsync(server, strict.Id);
        await (await strictApi.PutAsJsonAsync("confide/security_settings", new { require_sso = true, allowed_sign_in_methods = new[] { "passkey" } })).ErrorAsync(HttpStatusCode.Conflict, "conflict");

        // Its owner's only workspace refuses passwords: the right one is refused at sign-in, and recorded.
        using (var browser = server.Browser(Region.Eu, new CookieContainer()))
        {
            var refused = await browser.PostPasswordAsync(strict.OwnerEmail);
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("does not accept this way of signing in", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Single((await ActivityLogTests.AllEntriesAsync(strictApi)).Where(e => e.Str("activity_type") == "admin_login_failure"),
            e => e.GetProperty("metadata").Str("reason") == "method_not_allowed");

        // Someone in both workspaces: a password session opens the relaxed one only.
        var bothEmail = $"both-{Guid.NewGuid():N}@example.com";
        using var relaxedApi = relaxed.Client();
        await (await relaxedApi.PostJsonAsync("confide/teammates", new { email = bothEmail, role = "admin" })).JsonAsync();
        var password = await server.JoinByInvitationAsync(Region.Eu, bothEmail);
        await (await strictApi.PostJsonAsync("confide/teammates", new { email = bothEmail, role = "admin" })).JsonAsync();
        using var both = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await both.PostPasswordAsync(bothEmail, password)).StatusCode);
        await both.AnswerInvitationAsync(Assert.Single(await both.PendingInvitationsAsync()), accept: true);
        Assert.Equal(HttpStatusCode.OK, (await both.GetAsync($"app/inbox?workspace={relaxed.Id}")).StatusCode);
        var page = await both.GetAsync($"app/inbox?workspace={strict.Id}");
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("passkey, sso", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSessionsMethod_MustBeAllowed_TheBreakGlassPasskeyExcepted()
    {
        static ClaimsPrincipal Session(string method, string? ssoWorkspace = null) => RequireSsoTests.Session(method, ssoWorkspace);

        var member = new Membership("ws_a", "A", "tm_1", "Ann", "owner", new HashSet<string>(), "off", null,
            AllowedSignInMethods: new HashSet<string> { "passkey", "sso" });
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Password)));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.PasswordAndSecondFactor)));
        Assert.True(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Passkey)));
        Assert.True(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Sso, "ws_a")));
        Assert.False(SignInPolicy.IsSatisfied(member, Session(SignInMethods.Sso, "ws_b")));

        var passwordOnly = member with { AllowedSignInMethods = new HashSet<string> { "password" }, IsBreakGlass = true };
        Assert.True(SignInPolicy.IsSatisfied(passwordOnly, Session(SignInMethods.Passkey)));
        Assert.False(SignInPolicy.IsSatisfied(passwordOnly with { IsBreakGlass = false }, Session(SignInMethods.Passkey)));
        Assert.True(SignInPolicy.RefusesPasswordSignIn([member]));
        Assert.False(SignInPolicy.RefusesPasskeySignIn([member]));

        // A session from before methods were recorded counts as the password session it was.
        var unrecorded = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "account")], "test"));
        Assert.False(SignInPolicy.IsSatisfied(member, unrecorded));
        Assert.True(SignInPolicy.IsSatisfied(member with { AllowedSignInMethods = null }, unrecorded));
    }
}
