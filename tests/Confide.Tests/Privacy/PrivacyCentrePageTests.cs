using System.Net;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Privacy;

/// <summary>/app/privacy: the API's commands and checks in the web app, for those with privacy_requests.manage only.</summary>
public sealed class PrivacyCentrePageTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task APrivacyOfficer_SeesTheCounters_RecordsARequest_AndMovesItAlong(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"page-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId, received_at = now - (40 * 86_400) })).JsonAsync();

        var officer = await (await api.PostJsonAsync("confide/teammates", new { email = $"dpo-{Guid.NewGuid():N}@example.com", role = "privacy_officer" })).JsonAsync();
        var officerEmail = (await (await api.GetAsync($"admins/{officer.Str("id")}")).JsonAsync()).Str("email");
        using var browser = await SignedInAsync(server, officerEmail, await server.JoinByInvitationAsync(Region.Eu, officerEmail));
        var path = $"app/privacy?workspace={workspace.Id}";
        var page = await browser.HtmlAsync(path);
        Assert.Contains("<strong>1</strong> overdue", page, StringComparison.Ordinal);
        Assert.Contains("<strong>0</strong> due within 7 days", page, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Privacy</a>", page, StringComparison.Ordinal);

        var recorded = await PostAsync(browser, $"{path}&handler=Create", page, new()
        {
            ["NewRequest.Kind"] = "erasure", ["NewRequest.ReceivedVia"] = "web_form", ["NewRequest.IdentifierType"] = "email",
            ["NewRequest.Identifier"] = email, ["NewRequest.RecordIfUnmatched"] = "true",
        });
        Assert.Contains($"recorded for contact {contactId}", recorded, StringComparison.Ordinal);
        var list = await (await api.GetAsync("confide/privacy_requests?state=received")).JsonAsync();
        var created = list.GetProperty("data").EnumerateArray().Single(r => r.Str("kind") == "erasure");
        var id = created.Str("id");
        Assert.Equal(officer.Str("id"), created.Str("created_by_id"));

        var verified = await PostAsync(browser, $"{path}&handler=Transition", recorded, new() { ["id"] = id, ["action"] = "verify" });
        Assert.Contains($"Request {id} is now verifying.", verified, StringComparison.Ordinal);
        var skipped = await PostAsync(browser, $"{path}&handler=Transition", verified, new() { ["id"] = id, ["action"] = "complete" });
        Assert.Contains("cannot complete", skipped, StringComparison.Ordinal);
        var extended = await PostAsync(browser, $"{path}&handler=Transition", skipped, new() { ["id"] = id, ["action"] = "extend", ["reason"] = "Complex request" });
        Assert.Contains("deadline extended", extended, StringComparison.Ordinal);
        Assert.True((await (await api.GetAsync($"confide/privacy_requests/{id}")).JsonAsync()).GetProperty("extended").GetBoolean());

        var filtered = await browser.HtmlAsync($"{path}&due=overdue");
        Assert.DoesNotContain($"request-{id}", filtered, StringComparison.Ordinal);
        Assert.Contains($"request-{id}", await browser.HtmlAsync($"{path}&state=verifying"), StringComparison.Ordinal);

        var entries = (await ActivityLogTests.AllEntriesAsync(api))
            .Where(e => e.TryGetProperty("target", out var target) && target.ValueKind == System.Text.Json.JsonValueKind.Object && target.Str("id") == id).ToList();
        Assert.Equal(["privacy_request_creation", "privacy_request_state_change", "privacy_request_deadline_extension"], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal("web", e.Str("performed_via")));
        Assert.All(entries, e => Assert.DoesNotContain(email, e.GetRawText(), StringComparison.OrdinalIgnoreCase));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnAgent_DoesNotSeeTheLink_AndIsRefusedThePageAndItsForms(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var agent = await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        var agentEmail = (await (await api.GetAsync($"admins/{agent.Str("id")}")).JsonAsync()).Str("email");
        using var browser = await SignedInAsync(server, agentEmail, await server.JoinByInvitationAsync(Region.Eu, agentEmail));
        var inbox = await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}");
        Assert.DoesNotContain("/app/privacy", inbox, StringComparison.Ordinal);

        var path = $"app/privacy?workspace={workspace.Id}";
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(path)).StatusCode);
        var posted = await browser.PostAsync($"{path}&handler=Create", TeammateBrowser.Form(inbox, new()
        {
            ["NewRequest.Kind"] = "access", ["NewRequest.ReceivedVia"] = "email", ["NewRequest.IdentifierType"] = "email",
            ["NewRequest.Identifier"] = "someone@example.com", ["NewRequest.RecordIfUnmatched"] = "true",
        }));
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        Assert.Equal(0, (await (await api.GetAsync("confide/privacy_requests")).JsonAsync()).GetProperty("total_count").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BulkErase_DryRunFirst_ThenOnlyWithTheBoxTicked_ErasesThroughTheErasurePath(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var leads = new[]
        {
            (await (await api.PostJsonAsync("contacts", new { role = "lead", name = "Lead one" })).JsonAsync()).Str("id"),
            (await (await api.PostJsonAsync("contacts", new { role = "lead", name = "Lead two" })).JsonAsync()).Str("id"),
        };
        var user = (await (await api.PostJsonAsync("contacts", new { email = $"user-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var foreign = (await (await otherApi.PostJsonAsync("contacts", new { role = "lead" })).JsonAsync()).Str("id");

        var officer = await (await api.PostJsonAsync("confide/teammates", new { email = $"dpo-{Guid.NewGuid():N}@example.com", role = "privacy_officer" })).JsonAsync();
        var officerEmail = (await (await api.GetAsync($"admins/{officer.Str("id")}")).JsonAsync()).Str("email");
        using var browser = await SignedInAsync(server, officerEmail, await server.JoinByInvitationAsync(Region.Eu, officerEmail));
        Assert.Contains("/app/privacy/bulk-erase", await browser.HtmlAsync($"app/privacy?workspace={workspace.Id}"), StringComparison.Ordinal);
        var path = $"app/privacy/bulk-erase?workspace={workspace.Id}";
        var form = await browser.HtmlAsync(path);

        // Pasted ids: one of another workspace, which is skipped.
        var ids = $"{leads[0]}\n{foreign}, {leads[1]}";
        var preview = await PostAsync(browser, $"{path}&handler=Preview", form, new() { ["Form.Ids"] = ids });
        Assert.Contains("<strong>2</strong> contact(s) would be erased; 1 of the ids given", preview, StringComparison.Ordinal);
        Assert.Contains("Erase 2 contact(s)", preview, StringComparison.Ordinal);
        var unticked = await PostAsync(browser, $"{path}&handler=Erase", preview, new() { ["Form.Ids"] = ids });
        Assert.Contains("Tick the box", unticked, StringComparison.Ordinal);
        await (await api.GetAsync($"contacts/{leads[0]}")).JsonAsync();

        var erased = await PostAsync(browser, $"{path}&handler=Erase", unticked, new() { ["Form.Ids"] = ids, ["Form.Confirm"] = "true" });
        Assert.Contains("Erased 2 contact(s); 1 skipped", erased, StringComparison.Ordinal);
        foreach (var lead in leads)
        {
            await (await api.GetAsync($"contacts/{lead}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        }

        await (await otherApi.GetAsync($"contacts/{foreign}")).JsonAsync();
        await (await api.GetAsync($"contacts/{user}")).JsonAsync();

        // The filter: nothing left among the leads; ids and a filter together are refused.
        var filtered = await PostAsync(browser, $"{path}&handler=Preview", erased, new() { ["Form.Field"] = "role", ["Form.Value"] = "lead" });
        Assert.Contains("<strong>0</strong> contact(s) would be erased", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("bulk-erase-form", filtered, StringComparison.Ordinal);
        var both = await PostAsync(browser, $"{path}&handler=Preview", filtered, new() { ["Form.Ids"] = user, ["Form.Field"] = "role", ["Form.Value"] = "user" });
        Assert.Contains("not both", both, StringComparison.Ordinal);

        var bulk = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "contacts_bulk_deletion");
        Assert.Equal(("web", officer.Str("id")), (bulk.Str("performed_via"), bulk.GetProperty("performed_by").Str("id")));
        Assert.Equal(2, bulk.GetProperty("metadata").GetProperty("erased").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WithoutContactsBulkDelete_TheBulkErasePage_IsRefused_AndNotLinked(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = (await (await api.PostJsonAsync("contacts", new { email = $"keep-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var role = (await (await api.PostJsonAsync("confide/roles", new { name = "Requests only", permissions = new[] { "privacy_requests.manage", "contacts.read" } })).JsonAsync()).Str("id");
        var clerk = await (await api.PostJsonAsync("confide/teammates", new { email = $"clerk-{Guid.NewGuid():N}@example.com", role })).JsonAsync();
        var clerkEmail = (await (await api.GetAsync($"admins/{clerk.Str("id")}")).JsonAsync()).Str("email");
        using var browser = await SignedInAsync(server, clerkEmail, await server.JoinByInvitationAsync(Region.Eu, clerkEmail));

        var centre = await browser.HtmlAsync($"app/privacy?workspace={workspace.Id}");
        Assert.DoesNotContain("/app/privacy/bulk-erase", centre, StringComparison.Ordinal);
        var path = $"app/privacy/bulk-erase?workspace={workspace.Id}";
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(path)).StatusCode);
        var posted = await browser.PostAsync($"{path}&handler=Erase", TeammateBrowser.Form(centre, new() { ["Form.Ids"] = contact, ["Form.Confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
    }

    /// <summary>Both erasures need a fresh authentication: with an older one nothing is erased and the teammate confirms it is them first.</summary>
    [Fact]
    public async Task EraseNow_AndBulkErase_WithAnOldSignIn_GoToStepUp_AndEraseNothing()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"stale-{Guid.NewGuid():N}@example.com";
        var contact = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");
        await (await api.PostAsync($"confide/privacy_requests/{request}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{request}/start", null)).JsonAsync();
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var requestPage = $"app/privacy/requests/{request}?workspace={workspace.Id}";
        var html = await browser.HtmlAsync(requestPage);
        Assert.Contains("Erase now", html, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(6));
        var erase = await browser.PostAsync($"{requestPage}&handler=Erase", TeammateBrowser.Form(html, new() { ["confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.Redirect, erase.StatusCode);
        Assert.StartsWith("/app/reauthenticate?", erase.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var bulkPage = $"app/privacy/bulk-erase?workspace={workspace.Id}";
        var bulk = await browser.PostAsync($"{bulkPage}&handler=Erase", TeammateBrowser.Form(html, new() { ["Form.Ids"] = contact, ["Form.Confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.Redirect, bulk.StatusCode);
        Assert.StartsWith("/app/reauthenticate?", bulk.Headers.Location!.OriginalString, StringComparison.Ordinal);
        // A dry run needs no step-up.
        Assert.Contains("<strong>1</strong> contact(s) would be erased", await PostAsync(browser, $"{bulkPage}&handler=Preview", html, new() { ["Form.Ids"] = contact }), StringComparison.Ordinal);

        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
        Assert.Equal("in_progress", (await (await api.GetAsync($"confide/privacy_requests/{request}")).JsonAsync()).Str("state"));
    }

    private static async Task<HttpClient> SignedInAsync(TestServer server, string email, string password)
    {
        var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(email, password)).StatusCode);
        return browser;
    }

    private static async Task<string> PostAsync(HttpClient browser, string path, string page, Dictionary<string, string> fields)
    {
        var response = await browser.PostAsync(path, TeammateBrowser.Form(page, fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
