using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using static Confide.Tests.Sso.SsoTestHelpers;

namespace Confide.Tests.Sso;

/// <summary>
/// OpenID Connect sign-in end to end against a real provider (npm oidc-provider with PKCE
/// required), through Confide's real HTTPS endpoints, on SQLite and PostgreSQL: sessions,
/// provisioning, and every refusal the handler and Confide make.
/// </summary>
public sealed class OidcSignInTests(OidcServers servers) : IClassFixture<OidcServers>
{
    private const string Domain = "acme.test";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SignIn_ExistingTeammate_StartsAnSsoSessionOfThatWorkspace_AndRecordsIt(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider);
        var email = NewEmail();
        var teammateId = await AddTeammateAsync(workspace, email, "agent");
        using var browser = new SsoBrowser(server, idp);

        // The handler pushes the authorization request (PAR: the provider advertises it), so the
        // browser carries only a reference: state, nonce and the PKCE challenge never pass through it.
        var authorization = await browser.StartAsync(workspace.Id);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorization.Query);
        Assert.StartsWith(idp.Issuer + "/auth", authorization.GetLeftPart(UriPartial.Path), StringComparison.Ordinal);
        Assert.StartsWith("urn:ietf:params:oauth:request_uri:", query["request_uri"].ToString(), StringComparison.Ordinal);
        Assert.False(query.ContainsKey("nonce") || query.ContainsKey("code_challenge") || query.ContainsKey("state"));

        var landed = await browser.CallbackAsync(await browser.AuthorizeAsync(authorization, email));
        Assert.Equal($"/app/inbox?workspace={workspace.Id}", landed);
        await browser.Http.HtmlAsync(landed.TrimStart('/'));

        var session = Session(server, browser);
        Assert.Equal(SignInMethods.Sso, SessionClaims.MethodOf(session));
        Assert.Equal(workspace.Id, session.FindFirst(SessionClaims.SsoWorkspace)?.Value);

        var signIn = (await ActivityAsync(workspace)).Single(e => e.Str("activity_type") == "admin_login_success");
        Assert.Equal(teammateId, signIn.GetProperty("performed_by").Str("id"));
        Assert.Equal("sso", signIn.GetProperty("metadata").Str("sign_in_method"));
        Assert.Equal("oidc", signIn.GetProperty("metadata").Str("protocol"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SsoPage_FindsTheWorkspaceByEmailDomain_OrAsksForItsId(string provider)
    {
        var domain = $"d{Guid.NewGuid():N}.test";
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, domain: domain);
        using var browser = new SsoBrowser(server, idp);
        Assert.Contains("href=\"/app/sso\"", await browser.Http.HtmlAsync("app/login"), StringComparison.Ordinal);

        var page = await browser.Http.HtmlAsync("app/sso");
        var found = await browser.Http.PostAsync("app/sso", TeammateBrowser.Form(page, new() { ["Email"] = $"someone@{domain}" }));
        Assert.Equal(HttpStatusCode.Redirect, found.StatusCode);
        Assert.Equal($"/app/sso/{workspace.Id}/start", found.Headers.Location!.OriginalString);

        var unknown = await browser.Http.PostAsync("app/sso", TeammateBrowser.Form(page, new() { ["Email"] = "someone@unknown-domain.test" }));
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Contains("name=\"WorkspaceId\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var typed = await browser.Http.PostAsync("app/sso", TeammateBrowser.Form(page, new() { ["Email"] = "someone@unknown-domain.test", ["WorkspaceId"] = workspace.Id }));
        Assert.Equal($"/app/sso/{workspace.Id}/start", typed.Headers.Location!.OriginalString);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SignIn_ProviderSendsNoEmailVerifiedClaim_IsAccepted(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider);
        var email = NewEmail();
        await AddTeammateAsync(workspace, email, "agent");
        using var browser = new SsoBrowser(server, idp);

        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await browser.SignInAsync(workspace.Id, email, emailVerified: "omit"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task JustInTimeProvisioning_NewPerson_JoinsThroughTheMailedLink_WithTheDefaultRole(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: true, defaultRole: "viewer");
        var email = NewEmail();
        using var browser = new SsoBrowser(server, idp);

        // The first sign-in invites (the answer is the same as for an address with an account) ...
        Assert.Equal("/app/sso/error?reason=invitation_pending", await browser.SignInAsync(workspace.Id, email));
        await AssertNoSessionAsync(browser);
        // ... the person finishes through the link mailed to the address, then signs in.
        Assert.True(await server.JoinIfNewAsync(Region.Eu, email));
        using var joined = new SsoBrowser(server, idp);
        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await joined.SignInAsync(workspace.Id, email));

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var normalized = email.ToUpperInvariant();
        var account = await db.Users.SingleAsync(u => u.NormalizedEmail == normalized);
        var teammate = await db.Teammates.SingleAsync(t => t.WorkspaceId == workspace.Id && t.AccountId == account.Id);
        Assert.Equal("viewer", teammate.Role);

        var entries = await ActivityAsync(workspace);
        var join = entries.Single(e => e.Str("activity_type") == "app_admin_join" && e.GetProperty("metadata").Str("role") == "viewer");
        Assert.Equal("system", join.GetProperty("performed_by").Str("type"));
        Assert.Equal("sso", join.GetProperty("performed_by").Str("id"));
        Assert.Contains(entries, e => e.Str("activity_type") == "admin_invitation_acceptance" && e.GetProperty("performed_by").Str("id") == teammate.Id);
        Assert.Contains(entries, e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("performed_by").Str("id") == teammate.Id);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task NotYetJoined_IsRefusedAlike_WhetherOrNotTheAddressHasAnAccount(string provider)
    {
        // Without just-in-time: an added address that has not joined gets the same answer with or without an account.
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: false);
        var home = await server.CreateWorkspaceAsync(Region.Eu);
        var existing = NewEmail();
        await AddTeammateAsync(home, existing, "agent");
        var fresh = NewEmail();
        using (var owner = workspace.Client())
        {
            await (await owner.PostJsonAsync("confide/teammates", new { email = existing, role = "agent" })).JsonAsync();
            await (await owner.PostJsonAsync("confide/teammates", new { email = fresh, role = "agent" })).JsonAsync();
        }

        foreach (var email in (string[])[existing, fresh])
        {
            using var browser = new SsoBrowser(server, idp);
            Assert.Equal("/app/sso/error?reason=invitation_pending", await browser.SignInAsync(workspace.Id, email));
            await AssertNoSessionAsync(browser);
        }

        // And never added: not a teammate, alike.
        var elsewhere = NewEmail();
        await AddTeammateAsync(home, elsewhere, "agent");
        foreach (var email in (string[])[elsewhere, NewEmail()])
        {
            using var browser = new SsoBrowser(server, idp);
            Assert.Equal("/app/sso/error?reason=not_a_teammate", await browser.SignInAsync(workspace.Id, email));
        }

        Assert.DoesNotContain(await ActivityAsync(workspace), e => e.Str("activity_type") is "admin_login_success" or "admin_login_failure");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task JustInTime_ForAnAccountThatAlreadyExists_OnlyInvitesIt(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: true);
        var home = await server.CreateWorkspaceAsync(Region.Eu);
        var email = NewEmail();
        await AddTeammateAsync(home, email, "admin");
        using var browser = new SsoBrowser(server, idp);

        // The workspace's identity provider vouching for the address is not the person's consent: no session, no membership.
        Assert.Equal("/app/sso/error?reason=invitation_pending", await browser.SignInAsync(workspace.Id, email));
        await AssertNoSessionAsync(browser);
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var normalized = email.ToUpperInvariant();
            var account = await db.Users.SingleAsync(u => u.NormalizedEmail == normalized);
            Assert.False(await db.Teammates.AnyAsync(t => t.WorkspaceId == workspace.Id && t.AccountId == account.Id));
            Assert.True(await db.TeammateInvitations.AnyAsync(i => i.WorkspaceId == workspace.Id && i.AccountId == account.Id));
        }

        // Again: still only the one invitation, and the workspace's log has no sign-in of that account.
        using var again = new SsoBrowser(server, idp);
        Assert.Equal("/app/sso/error?reason=invitation_pending", await again.SignInAsync(workspace.Id, email));
        var entries = await ActivityAsync(workspace);
        Assert.Single(entries, e => e.Str("activity_type") == "app_admin_join");

        // A new address gets exactly the same answer, and the same entry.
        using var fresh = new SsoBrowser(server, idp);
        Assert.Equal("/app/sso/error?reason=invitation_pending", await fresh.SignInAsync(workspace.Id, NewEmail()));
        var joins = (await ActivityAsync(workspace)).Where(e => e.Str("activity_type") == "app_admin_join").ToList();
        Assert.Equal(2, joins.Count);
        Assert.Equal(joins[0].GetProperty("metadata").GetRawText(), joins[1].GetProperty("metadata").GetRawText());
        Assert.DoesNotContain(entries, e => e.Str("activity_type") is "admin_login_success" or "admin_login_failure");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnSsoSession_CannotAcceptAnotherWorkspacesInvitation(string provider)
    {
        // One workspace's identity provider must not consent, for the person, to joining another workspace.
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: false);
        var email = NewEmail();
        await AddTeammateAsync(workspace, email, "agent");
        var inviter = await server.CreateWorkspaceAsync(Region.Eu, "Inviter Inc");
        var invitationId = await AddTeammateAsync(inviter, email, "agent");
        using var browser = new SsoBrowser(server, idp);
        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await browser.SignInAsync(workspace.Id, email));

        var answered = await browser.Http.AnswerInvitationAsync(invitationId, accept: true);
        Assert.Contains("To answer an invitation, sign in with your password or a passkey.", answered, StringComparison.Ordinal);
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        Assert.True(await db.TeammateInvitations.AnyAsync(i => i.TeammateId == invitationId && i.DeclinedAt == null));
        Assert.False(await db.Teammates.AnyAsync(t => t.Id == invitationId && t.AccountId != null));
        Assert.DoesNotContain(await ActivityAsync(inviter), e => e.Str("activity_type") == "admin_invitation_acceptance");

        // Nor read it: the page lists no other workspace's invitation to that session.
        Assert.DoesNotContain("Inviter Inc", await browser.Http.HtmlAsync("app/invitations"), StringComparison.Ordinal);

        // Nor end the person's sessions in every other workspace.
        var security = await browser.Http.HtmlAsync($"app/security?workspace={workspace.Id}");
        var refused = await browser.Http.PostAsync($"app/security?workspace={workspace.Id}&handler=SignOutEverywhere", TeammateBrowser.Form(security, []));
        Assert.Contains("or to sign out everywhere, sign in with your password or a passkey", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await ActivityAsync(workspace), e => e.Str("activity_type") == "admin_session_revocation");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task JustInTimeOff_PersonWhoIsNotATeammate_IsRefused(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: false);
        using var browser = new SsoBrowser(server, idp);

        Assert.Equal("/app/sso/error?reason=not_a_teammate", await browser.SignInAsync(workspace.Id, NewEmail()));
        await AssertNoSessionAsync(browser);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TeammateOfAnotherWorkspaceOnly_IsRefused_AndTheFailureIsRecordedThere(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: false);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        var email = NewEmail();
        await AddTeammateAsync(other, email, "admin");
        using var browser = new SsoBrowser(server, idp);

        Assert.Equal("/app/sso/error?reason=not_a_teammate", await browser.SignInAsync(workspace.Id, email));
        await AssertNoSessionAsync(browser);
        // Recorded after the answer (its time must not tell the workspace that the account exists).
        var failure = (await Poll.UntilAsync(() => ActivityAsync(other), entries => entries.Any(e => e.Str("activity_type") == "admin_login_failure"),
            TimeSpan.FromSeconds(30), "the refusal in the account's own log")).Single(e => e.Str("activity_type") == "admin_login_failure");
        Assert.Equal("not_a_teammate", failure.GetProperty("metadata").Str("reason"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EmailOfADomainTheConnectionDoesNotAllow_IsRefused_EvenWithJustInTime(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: true);
        using var browser = new SsoBrowser(server, idp);

        Assert.Equal("/app/sso/error?reason=domain_not_allowed", await browser.SignInAsync(workspace.Id, $"p-{Guid.NewGuid():N}@elsewhere.test"));
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        Assert.Equal(1, await db.Teammates.CountAsync(t => t.WorkspaceId == workspace.Id));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EmailTheProviderHasNotVerified_IsRefused(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider, justInTime: true);
        using var browser = new SsoBrowser(server, idp);

        Assert.Equal("/app/sso/error?reason=email_not_verified", await browser.SignInAsync(workspace.Id, NewEmail(), emailVerified: "false"));
        await AssertNoSessionAsync(browser);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CallbackWithTamperedOrMissingState_IsRefused(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider);
        var email = NewEmail();
        await AddTeammateAsync(workspace, email, "agent");

        using var tampered = new SsoBrowser(server, idp);
        var callback = await tampered.AuthorizeAsync(await tampered.StartAsync(workspace.Id), email);
        var state = QueryValue(callback, "state");
        var flipped = state[..^2] + (state[^2] == 'A' ? 'B' : 'A') + state[^1];
        Assert.Equal("/app/sso/error?reason=state_invalid", await tampered.CallbackAsync(WithQuery(callback, "state", flipped)));
        await AssertNoSessionAsync(tampered);

        using var missing = new SsoBrowser(server, idp);
        callback = await missing.AuthorizeAsync(await missing.StartAsync(workspace.Id), email);
        Assert.Equal("/app/sso/error?reason=state_invalid", await missing.CallbackAsync(WithQuery(callback, "state", null)));
        await AssertNoSessionAsync(missing);

        // A genuine response taken to a browser that never started the flow (no correlation cookie).
        using var victim = new SsoBrowser(server, idp);
        using var attacker = new SsoBrowser(server, idp);
        callback = await attacker.AuthorizeAsync(await attacker.StartAsync(workspace.Id), email);
        Assert.Equal("/app/sso/error?reason=state_invalid", await victim.CallbackAsync(callback));
        await AssertNoSessionAsync(victim);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ReplayedCallback_IsRefused(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider);
        var email = NewEmail();
        await AddTeammateAsync(workspace, email, "agent");
        using var browser = new SsoBrowser(server, idp);
        var callback = await browser.AuthorizeAsync(await browser.StartAsync(workspace.Id), email);
        var cookiesBefore = browser.Cookies.GetAllCookies();

        Assert.Equal($"/app/inbox?workspace={workspace.Id}", await browser.CallbackAsync(callback));
        // The same browser again: its correlation cookie was spent.
        Assert.Equal("/app/sso/error?reason=state_invalid", await browser.CallbackAsync(callback));

        // With the correlation and nonce cookies captured before the first use: the provider
        // refuses to redeem the code a second time.
        using var replayer = new SsoBrowser(server, idp);
        replayer.Cookies.Add(cookiesBefore);
        Assert.Equal("/app/sso/error?reason=code_rejected", await replayer.CallbackAsync(callback));
        await AssertNoSessionAsync(replayer);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task IdTokenForAnotherNonce_IsRefused(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider);
        var email = NewEmail();
        await AddTeammateAsync(workspace, email, "agent");
        using var browser = new SsoBrowser(server, idp);
        // The provider issues the id_token with another flow's nonce (everything else, PKCE
        // included, intact): the handler finds no nonce cookie of this browser for it.
        var callback = await browser.AuthorizeAsync(await browser.StartAsync(workspace.Id), email, replaceNonce: "another-flows-nonce-" + Guid.NewGuid().ToString("N"));

        Assert.Equal("/app/sso/error?reason=nonce_invalid", await browser.CallbackAsync(callback));
        await AssertNoSessionAsync(browser);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CapturedAuthorizationCode_CannotBeRedeemedWithoutTheCodeVerifier(string provider)
    {
        var (server, idp, workspace) = await WorkspaceWithOidcAsync(provider);
        var email = NewEmail();
        await AddTeammateAsync(workspace, email, "agent");
        using var browser = new SsoBrowser(server, idp);
        var callback = await browser.AuthorizeAsync(await browser.StartAsync(workspace.Id), email);

        // Someone who captured the callback URL and even holds the client's credentials.
        var connection = _clients[workspace.Id];
        using var attacker = idp.Client();
        var response = await attacker.PostAsync(idp.Issuer + "/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = QueryValue(callback, "code"),
            ["redirect_uri"] = $"{server.BaseUrl(Region.Eu)}app/sso/{workspace.Id}/oidc/callback",
            ["client_id"] = connection.ClientId,
            ["client_secret"] = connection.ClientSecret,
        }));
        var error = await response.JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", error.Str("error"));
    }

    private sealed record RegisteredClient(string ClientId, string ClientSecret);

    private readonly Dictionary<string, RegisteredClient> _clients = [];

    private async Task<(TestServer Server, OidcTestProvider Provider, TestWorkspace Workspace)> WorkspaceWithOidcAsync(
        string provider, bool justInTime = false, string defaultRole = "agent", string domain = Domain)
    {
        var (server, idp) = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var before = await (await owner.GetAsync("confide/sso_connection")).JsonAsync();
        Assert.False(before.GetProperty("configured").GetBoolean());
        var (clientId, clientSecret) = await idp.RegisterClientAsync(before.Str("redirect_uri"));
        _clients[workspace.Id] = new RegisteredClient(clientId, clientSecret);
        var saved = await (await owner.PutAsJsonAsync("confide/sso_connection", new Dictionary<string, object>
        {
            ["protocol"] = "oidc",
            ["issuer"] = idp.Issuer,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["just_in_time_provisioning"] = justInTime,
            ["default_role"] = defaultRole,
            ["allowed_email_domains"] = new[] { domain },
        })).JsonAsync();
        Assert.True(saved.GetProperty("client_secret_set").GetBoolean());
        return (server, idp, workspace);
    }

    private static string NewEmail() => $"p-{Guid.NewGuid():N}@{Domain}";

    private static string QueryValue(Uri uri, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query)[name].ToString();

    private static Uri WithQuery(Uri uri, string name, string? value)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query);
        var pairs = query.Where(p => p.Key != name).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value.ToString())).ToList();
        if (value is not null)
        {
            pairs.Add(new(name, value));
        }

        return new Uri(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(uri.GetLeftPart(UriPartial.Path), pairs));
    }
}
