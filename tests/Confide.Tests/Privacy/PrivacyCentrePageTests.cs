using System.Net;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;

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
