using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Authorization;

/// <summary>
/// Adding an address invites it through a mailed link, whether or not it already has an account
/// (another workspace's owner, say): the adding workspace gets the same answer, the same mail goes
/// out, and nothing of an existing account (its sign-ins, the workspace's policies over it) reaches
/// or binds it until the person, signed in as themselves, accepts. A new address's person chooses
/// a password through the link; no credential ever passes through the workspace.
/// </summary>
public sealed class TeammateInvitationTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AddingAnExistingAccount_AnswersExactlyLikeANewAddress(string provider)
    {
        var server = await servers.GetAsync(provider);
        var victim = await server.CreateWorkspaceAsync(Region.Eu, "Victim Ltd");
        var prober = await server.CreateWorkspaceAsync(Region.Eu, "Prober Inc");
        using var api = prober.Client();

        var existing = await api.PostJsonAsync("confide/teammates", new { email = victim.OwnerEmail, name = "Probe", role = "agent" });
        var fresh = await api.PostJsonAsync("confide/teammates", new { email = $"new-{Guid.NewGuid():N}@example.com", name = "Probe", role = "agent" });
        Assert.Equal(fresh.StatusCode, existing.StatusCode);
        Assert.Equal(fresh.Content.Headers.ContentType, existing.Content.Headers.ContentType);
        var existingBody = await existing.JsonAsync();
        var freshBody = await fresh.JsonAsync();
        Assert.Equal(Shape(freshBody), Shape(existingBody));
        Assert.Equal(freshBody.Str("type"), existingBody.Str("type"));
        Assert.Equal(freshBody.Str("role"), existingBody.Str("role"));
        Assert.Equal(freshBody.Str("id").Length, existingBody.Str("id").Length);
        Assert.Equal(freshBody.GetProperty("invitation").GetRawText().Length, existingBody.GetProperty("invitation").GetRawText().Length);
        Assert.False(existingBody.TryGetProperty("initial_password", out _));

        // Reading them back, adding them again, listing them: the same, too.
        var existingAdmin = await (await api.GetAsync($"admins/{existingBody.Str("id")}")).JsonAsync();
        var freshAdmin = await (await api.GetAsync($"admins/{freshBody.Str("id")}")).JsonAsync();
        Assert.Equal(Shape(freshAdmin), Shape(existingAdmin));
        Assert.Equal("Probe", existingAdmin.Str("name"));
        await (await api.PostJsonAsync("confide/teammates", new { email = victim.OwnerEmail, role = "agent" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await api.PostJsonAsync("confide/teammates", new { email = freshAdmin.Str("email"), role = "agent" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var listed = (await (await api.GetAsync("admins")).JsonAsync()).GetProperty("admins").EnumerateArray().Select(a => a.Str("id")).ToList();
        Assert.Contains(existingBody.Str("id"), listed);
        Assert.Contains(freshBody.Str("id"), listed);

        // The log says "added" for both, with the same metadata.
        var joins = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "app_admin_join").ToList();
        Assert.Equal(2, joins.Count);
        Assert.Equal(joins[0].GetProperty("metadata").GetRawText(), joins[1].GetProperty("metadata").GetRawText());
        Assert.Equal(joins[0].Str("activity_description"), joins[1].Str("activity_description"));

        // Both addresses got the same mail, with a link; only its reader learns whether the address has an account.
        var toExisting = Outbox.MessagesTo(server.DataDirectory, victim.OwnerEmail).Single();
        var toFresh = Outbox.MessagesTo(server.DataDirectory, freshAdmin.Str("email")).Single();
        Assert.Equal(toFresh.Subject, toExisting.Subject);
        Assert.Equal(toFresh.TextBody!.Replace(freshAdmin.Str("email"), "", StringComparison.Ordinal).Length,
            toExisting.TextBody!.Replace(victim.OwnerEmail, "", StringComparison.Ordinal).Length);
        using var reader = server.Browser(Region.Eu, new CookieContainer());
        Assert.Contains("id=\"join-sign-in\"", await reader.HtmlAsync(server.InvitationLinkTo(victim.OwnerEmail)), StringComparison.Ordinal);
        Assert.Contains("id=\"join-form\"", await reader.HtmlAsync(server.InvitationLinkTo(freshAdmin.Str("email"))), StringComparison.Ordinal);

        // The existing account's password still works: nothing was set.
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(victim.OwnerEmail)).StatusCode);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ANewAddress_JoinsThroughTheMailedLink_Once(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Joining Ltd");
        using var api = workspace.Client();
        var email = $"new-{Guid.NewGuid():N}@example.com";
        var id = (await (await api.PostJsonAsync("confide/teammates", new { email, name = "Nia New", role = "agent" })).JsonAsync()).Str("id");
        var link = server.InvitationLinkTo(email);

        // Before joining, the address cannot sign in at all.
        using var early = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.OK, (await early.PostPasswordAsync(email, Outbox.JoinedPassword)).StatusCode);

        // A password the validators refuse is refused here too, and nothing is created.
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        var page = await browser.HtmlAsync(link);
        Assert.Contains("Joining Ltd", page, StringComparison.Ordinal);
        var weak = await browser.PostAsync(link, TeammateBrowser.Form(page, new() { ["Password"] = "password", ["ConfirmPassword"] = "password" }));
        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var normalized = email.ToUpperInvariant();
            Assert.False(await db.Users.AnyAsync(u => u.NormalizedEmail == normalized));
        }

        var password = await server.JoinByInvitationAsync(Region.Eu, email);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(email, password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"app/inbox?workspace={workspace.Id}")).StatusCode);
        var accepted = (await ActivityLogTests.AllEntriesAsync(api)).Single(e => e.Str("activity_type") == "admin_invitation_acceptance");
        Assert.Equal(id, accepted.GetProperty("target").Str("id"));

        // The link is spent; a made-up one opens nothing; neither says anything about any address.
        using var again = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync(link)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync("app/join/not-a-real-token")).StatusCode);
        var spent = await again.GetAsync(link);
        Assert.DoesNotContain(email, await spent.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("no-referrer", spent.Headers.GetValues("Referrer-Policy").Single());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheLinkToAnExistingAccount_CannotSetItsPasswordOrJoinIt_WithoutSigningIn(string provider)
    {
        var server = await servers.GetAsync(provider);
        var victim = await server.CreateWorkspaceAsync(Region.Eu, "Victim Ltd");
        var inviter = await server.CreateWorkspaceAsync(Region.Eu, "Inviter Inc");
        using var api = inviter.Client();
        var invitedId = (await (await api.PostJsonAsync("confide/teammates", new { email = victim.OwnerEmail, role = "agent" })).JsonAsync()).Str("id");
        var link = server.InvitationLinkTo(victim.OwnerEmail);

        using var holder = server.Browser(Region.Eu, new CookieContainer());
        var page = await holder.HtmlAsync(link);
        Assert.DoesNotContain("id=\"join-form\"", page, StringComparison.Ordinal);
        // (The page has no form; the antiforgery token comes from the sign-in page.)
        var posted = await holder.PostAsync(link, TeammateBrowser.Form(await holder.HtmlAsync("app/login"), new() { ["Password"] = "a-password-of-my-choosing", ["ConfirmPassword"] = "a-password-of-my-choosing" }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await holder.PostPasswordAsync(victim.OwnerEmail, "a-password-of-my-choosing")).StatusCode);
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            Assert.True(await db.Teammates.AnyAsync(t => t.Id == invitedId && t.AccountId == null));
        }

        // Signed in as themselves, the link takes the person to their invitations.
        using var invitee = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await invitee.PostPasswordAsync(victim.OwnerEmail)).StatusCode);
        var opened = await invitee.GetAsync(link);
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal("/app/invitations", opened.Headers.Location!.OriginalString);
        Assert.Equal([invitedId], await invitee.PendingInvitationsAsync());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SendingAgain_ReplacesTheLink(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"again-{Guid.NewGuid():N}@example.com";
        var id = (await (await api.PostJsonAsync("confide/teammates", new { email, role = "agent" })).JsonAsync()).Str("id");
        var first = server.InvitationLinkTo(email);

        var resent = await (await api.PostAsync($"confide/teammates/{id}/invitation", null)).JsonAsync();
        Assert.True(resent.GetProperty("invitation").GetProperty("sent").GetBoolean());
        var second = server.InvitationLinkTo(email);
        Assert.NotEqual(first, second);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(first)).StatusCode);
        await server.JoinByInvitationAsync(Region.Eu, email);

        // Joined: there is nothing to send any more; someone else's teammate is not found.
        await (await api.PostAsync($"confide/teammates/{id}/invitation", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await api.PostAsync("confide/teammates/not-a-teammate/invitation", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnInvitedAccountsSignIns_StayOutOfTheInvitingLog_UntilItAccepts(string provider)
    {
        var server = await servers.GetAsync(provider);
        var victim = await server.CreateWorkspaceAsync(Region.Eu, "Victim Ltd");
        var inviter = await server.CreateWorkspaceAsync(Region.Eu, "Inviter Inc");
        using var api = inviter.Client();
        var invitedId = (await (await api.PostJsonAsync("confide/teammates", new { email = victim.OwnerEmail, name = "Vic", role = "agent" })).JsonAsync()).Str("id");

        using (var browser = server.Browser(Region.Eu, new CookieContainer()))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(victim.OwnerEmail)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.PostPasswordAsync(victim.OwnerEmail, "wrong-password-for-sure")).StatusCode);
        }

        var before = await ActivityLogTests.AllEntriesAsync(api);
        Assert.DoesNotContain(before, e => e.Str("activity_type") is "admin_login_success" or "admin_login_failure");
        Assert.DoesNotContain(before, e => e.GetProperty("performed_by").Str("id") == invitedId);
        Assert.Contains(await ActivityLogTests.AllEntriesAsync(victim.Client()), e => e.Str("activity_type") == "admin_login_success");

        // Signed in as themselves, they see the invitation, with the workspace's name, and accept it.
        using var invitee = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await invitee.PostPasswordAsync(victim.OwnerEmail)).StatusCode);
        Assert.Contains("Inviter Inc", await invitee.HtmlAsync("app/invitations"), StringComparison.Ordinal);
        Assert.Equal([invitedId], await invitee.PendingInvitationsAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await invitee.GetAsync($"app/inbox?workspace={inviter.Id}")).StatusCode);
        Assert.Contains("You joined the workspace.", await invitee.AnswerInvitationAsync(invitedId, accept: true), StringComparison.Ordinal);
        Assert.Empty(await invitee.PendingInvitationsAsync());
        Assert.Equal(HttpStatusCode.OK, (await invitee.GetAsync($"app/inbox?workspace={inviter.Id}")).StatusCode);

        var accepted = (await ActivityLogTests.AllEntriesAsync(api)).Single(e => e.Str("activity_type") == "admin_invitation_acceptance");
        Assert.Equal(invitedId, accepted.GetProperty("performed_by").Str("id"));
        Assert.Equal(invitedId, accepted.GetProperty("target").Str("id"));

        // From now on their sign-ins are the workspace's business.
        using (var browser = server.Browser(Region.Eu, new CookieContainer()))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(victim.OwnerEmail)).StatusCode);
        }

        Assert.Contains(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("performed_by").Str("id") == invitedId);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheInvitingWorkspacesIpAllowlist_DoesNotApply_UntilAccepted(string provider)
    {
        var server = await servers.GetAsync(provider);
        var victim = await server.CreateWorkspaceAsync(Region.Eu, "Victim Ltd");
        var inviter = await server.CreateWorkspaceAsync(Region.Eu, "Inviter Inc");
        using var inside = server.ClientVia("127.0.0.1", Region.Eu, inviter.Token);
        await (await inside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = new[] { "127.0.0.0/8" } })).JsonAsync();
        var invitedId = (await (await inside.PostJsonAsync("confide/teammates", new { email = victim.OwnerEmail, role = "agent" })).JsonAsync()).Str("id");

        // From an address the inviter does not allow, the invited person's own workspace works and the inviter's is not theirs.
        using var outside = server.ClientVia("[::1]", Region.Eu, cookies: new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await outside.PostPasswordAsync(victim.OwnerEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await outside.GetAsync($"app/inbox?workspace={victim.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await outside.GetAsync("app/inbox")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outside.GetAsync($"app/inbox?workspace={inviter.Id}")).StatusCode);

        // Accepted, the inviter's policy holds for its own pages.
        await outside.AnswerInvitationAsync(invitedId, accept: true);
        Assert.Equal(HttpStatusCode.Forbidden, (await outside.GetAsync($"app/inbox?workspace={inviter.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await outside.GetAsync($"app/inbox?workspace={victim.Id}")).StatusCode);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DeclinedExpiredOrWithdrawn_CannotBeAccepted_AndTheWorkspaceSeesNoDifference(string provider)
    {
        var server = await servers.GetAsync(provider);
        var person = await server.CreateWorkspaceAsync(Region.Eu, "Home");
        var declined = await server.CreateWorkspaceAsync(Region.Eu, "Declined Co");
        var expired = await server.CreateWorkspaceAsync(Region.Eu, "Expired Co");
        var withdrawn = await server.CreateWorkspaceAsync(Region.Eu, "Withdrawn Co");
        var other = await server.CreateWorkspaceAsync(Region.Eu, "Someone else");
        async Task<string> InviteAsync(TestWorkspace workspace)
        {
            using var api = workspace.Client();
            return (await (await api.PostJsonAsync("confide/teammates", new { email = person.OwnerEmail, role = "agent" })).JsonAsync()).Str("id");
        }

        var declinedId = await InviteAsync(declined);
        var expiredId = await InviteAsync(expired);
        var withdrawnId = await InviteAsync(withdrawn);
        await server.Cell(Region.Eu).Writer.WriteAsync(async (db, ct) =>
            await db.TeammateInvitations.Where(i => i.TeammateId == expiredId)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)), ct), CancellationToken.None);
        using (var withdrawnApi = withdrawn.Client())
        {
            await (await withdrawnApi.DeleteAsync($"confide/teammates/{withdrawnId}")).JsonAsync();
        }

        using var invitee = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await invitee.PostPasswordAsync(person.OwnerEmail)).StatusCode);
        Assert.Equal([declinedId], await invitee.PendingInvitationsAsync());
        Assert.Contains("The workspace is not told", await invitee.AnswerInvitationAsync(declinedId, accept: false), StringComparison.Ordinal);
        Assert.Empty(await invitee.PendingInvitationsAsync());

        // Accepting any of them anyway, or someone else's teammate id, does nothing.
        foreach (var id in (string[])[declinedId, expiredId, withdrawnId, other.OwnerId])
        {
            Assert.Contains("can no longer be answered", await invitee.AnswerInvitationAsync(id, accept: true), StringComparison.Ordinal);
        }

        foreach (var workspace in (TestWorkspace[])[declined, expired])
        {
            using var api = workspace.Client();
            var entries = await ActivityLogTests.AllEntriesAsync(api);
            Assert.DoesNotContain(entries, e => e.Str("activity_type") is "admin_invitation_acceptance" or "admin_login_success");
            // Still listed as added, and adding the address again is refused as for any teammate.
            await (await api.PostJsonAsync("confide/teammates", new { email = person.OwnerEmail, role = "agent" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        }

        await using var read = server.Cell(Region.Eu).CreateReadContext();
        Assert.False(await read.TeammateInvitations.AnyAsync(i => i.TeammateId == withdrawnId));
        Assert.Equal(1, await read.Teammates.CountAsync(t => t.WorkspaceId == declined.Id && t.AccountId == null));
        var normalized = person.OwnerEmail.ToUpperInvariant();
        var accountId = (await read.Users.SingleAsync(u => u.NormalizedEmail == normalized)).Id;
        Assert.Equal([person.Id], await read.Teammates.Where(t => t.AccountId == accountId).Select(t => t.WorkspaceId).ToListAsync());
    }

    /// <summary>The property names of a JSON object, with the kind of each value.</summary>
    private static string Shape(JsonElement element) =>
        string.Join(",", element.EnumerateObject().Select(p => $"{p.Name}:{p.Value.ValueKind}").Order(StringComparer.Ordinal));
}
