using System.Net;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>
/// /app/privacy/legal-holds: the API's commands in the web app, for those with retention.manage
/// only; "Erase now" on a held subject says why nothing was erased; releasing needs step-up.
/// </summary>
public sealed class LegalHoldPageTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnOwner_SetsAHold_SeesEraseNowRefusedPolitely_ThenReleasesIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"page-held-{Guid.NewGuid():N}@example.com";
        var contact = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");
        await (await api.PostAsync($"confide/privacy_requests/{request}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{request}/start", null)).JsonAsync();
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);

        Assert.Contains("id=\"legal-holds-link\"", await browser.HtmlAsync($"app/privacy?workspace={workspace.Id}"), StringComparison.Ordinal);
        var path = $"app/privacy/legal-holds?workspace={workspace.Id}";
        var page = await browser.HtmlAsync(path);
        Assert.Contains("id=\"no-active-holds\"", page, StringComparison.Ordinal);

        // A form without a reason is refused on the page, still filled.
        var refused = await browser.PostAsync($"{path}&handler=Set", TeammateBrowser.Form(page, new() { ["Form.TargetType"] = "contact", ["Form.TargetId"] = contact, ["Form.Reason"] = "" }));
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Contains("reason is required", refusedHtml, StringComparison.Ordinal);
        Assert.Contains(contact, refusedHtml, StringComparison.Ordinal);

        var set = await browser.PostAsync($"{path}&handler=Set", TeammateBrowser.Form(page, new()
        {
            ["Form.TargetType"] = "contact", ["Form.TargetId"] = contact, ["Form.Reason"] = "Case 2026-117", ["Form.Until"] = DateTime.UtcNow.AddDays(60).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }));
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        page = await browser.HtmlAsync(path);
        var hold = Assert.Single((await (await api.GetAsync("confide/legal_holds")).JsonAsync()).GetProperty("data").EnumerateArray());
        Assert.Contains($"Hold {hold.Str("id")} set", page, StringComparison.Ordinal);
        Assert.Contains("Case 2026-117", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"hold-{hold.Str("id")}\"", page, StringComparison.Ordinal);

        // "Erase now" on the held subject: nothing erased, and the page says why.
        var requestPage = $"app/privacy/requests/{request}?workspace={workspace.Id}";
        var requestHtml = await browser.HtmlAsync(requestPage);
        Assert.Contains("id=\"erasure-held\"", requestHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"erase-now\"", requestHtml, StringComparison.Ordinal);
        var erase = await browser.PostAsync($"{requestPage}&handler=Erase", TeammateBrowser.Form(requestHtml, new() { ["confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.Redirect, erase.StatusCode);
        var afterErase = await browser.HtmlAsync(requestPage);
        Assert.Contains("Nothing was erased. This contact is under a legal hold", afterErase, StringComparison.Ordinal);
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();

        // The bulk erase's dry run says the held contact would be skipped, and why.
        var bulkPath = $"app/privacy/bulk-erase?workspace={workspace.Id}";
        var bulk = await browser.PostAsync($"{bulkPath}&handler=Preview", TeammateBrowser.Form(page, new() { ["Form.Ids"] = contact }));
        var bulkHtml = await bulk.Content.ReadAsStringAsync();
        Assert.Contains("<strong>0</strong> contact(s) would be erased", bulkHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"bulk-preview-held\"", bulkHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"bulk-erase\"", bulkHtml, StringComparison.Ordinal);

        // Released, with the box ticked (not without).
        var unticked = await browser.PostAsync($"{path}&handler=Release", TeammateBrowser.Form(page, new() { ["id"] = hold.Str("id") }));
        Assert.Equal(HttpStatusCode.Redirect, unticked.StatusCode);
        Assert.Contains("Tick the box", await browser.HtmlAsync(path), StringComparison.Ordinal);
        Assert.True((await (await api.GetAsync($"confide/legal_holds/{hold.Str("id")}")).JsonAsync()).GetProperty("active").GetBoolean());
        var release = await browser.PostAsync($"{path}&handler=Release", TeammateBrowser.Form(page, new() { ["id"] = hold.Str("id"), ["confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.Redirect, release.StatusCode);
        page = await browser.HtmlAsync(path);
        Assert.Contains($"Hold {hold.Str("id")} released", page, StringComparison.Ordinal);
        Assert.Contains("id=\"inactive-holds\"", page, StringComparison.Ordinal);
        Assert.False((await (await api.GetAsync($"confide/legal_holds/{hold.Str("id")}")).JsonAsync()).GetProperty("active").GetBoolean());
        Assert.Contains("id=\"erase-now\"", await browser.HtmlAsync(requestPage), StringComparison.Ordinal);

        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") is ActivityTypes.LegalHoldSet or ActivityTypes.LegalHoldReleased).ToList();
        Assert.Equal([ActivityTypes.LegalHoldSet, ActivityTypes.LegalHoldReleased], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal("web", e.Str("performed_via")));
        Assert.All(entries, e => Assert.DoesNotContain("2026-117", e.GetRawText(), StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnAgent_DoesNotSeeTheLink_AndIsRefusedThePageAndItsForms(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = await LegalHoldApiTests.ContactAsync(api);
        var hold = await LegalHoldApiTests.HoldAsync(api, "contact", contact);
        var agent = await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        var agentEmail = (await (await api.GetAsync($"admins/{agent.Str("id")}")).JsonAsync()).Str("email");
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(agentEmail, await server.JoinByInvitationAsync(Region.Eu, agentEmail))).StatusCode);
        var inbox = await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}");
        Assert.DoesNotContain("legal-holds", inbox, StringComparison.Ordinal);

        var path = $"app/privacy/legal-holds?workspace={workspace.Id}";
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostAsync($"{path}&handler=Set", TeammateBrowser.Form(inbox, new() { ["Form.TargetType"] = "workspace", ["Form.Reason"] = "no" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostAsync($"{path}&handler=Release", TeammateBrowser.Form(inbox, new() { ["id"] = hold, ["confirm"] = "true" }))).StatusCode);
        var list = await (await api.GetAsync("confide/legal_holds")).JsonAsync();
        Assert.True(Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("active").GetBoolean());
    }

    /// <summary>Releasing needs a fresh authentication: with an older one nothing is released and the teammate confirms it is them first.</summary>
    [Fact]
    public async Task Release_WithAnOldSignIn_GoesToStepUp_AndReleasesNothing()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var hold = await LegalHoldApiTests.HoldAsync(api, "workspace", workspace.Id);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var path = $"app/privacy/legal-holds?workspace={workspace.Id}";
        var html = await browser.HtmlAsync(path);
        Assert.Contains("Pending litigation", html, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(6));
        var release = await browser.PostAsync($"{path}&handler=Release", TeammateBrowser.Form(html, new() { ["id"] = hold, ["confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.Redirect, release.StatusCode);
        Assert.StartsWith("/app/reauthenticate?", release.Headers.Location!.OriginalString, StringComparison.Ordinal);
        // Setting a hold protects data: no step-up for it.
        var set = await browser.PostAsync($"{path}&handler=Set", TeammateBrowser.Form(html, new() { ["Form.TargetType"] = "workspace", ["Form.Reason"] = "Another matter" }));
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        Assert.StartsWith("/app/privacy/legal-holds", set.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var active = await (await api.GetAsync("confide/legal_holds?state=active")).JsonAsync();
        Assert.Equal(2, active.GetProperty("total_count").GetInt32());
    }
}
