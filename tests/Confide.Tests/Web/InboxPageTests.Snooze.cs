using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>Snoozing from the inbox: the control, the snoozed filter, and reopening early.</summary>
public sealed partial class InboxPageTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Snooze_FromTheThread_MovesItToTheSnoozedFilter_AndReopenEndsIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = await AddContactAsync(api, "snooze@example.com", "Sam Snooze");
        var conversationId = await StartConversationAsync(api, contactId, "Ask me again tomorrow", assignTo: null, workspace);

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var page = await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}");
        Assert.Contains("handler=Snooze", page, StringComparison.Ordinal);
        var before = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(
            $"app/inbox/{conversationId}?handler=Snooze&workspace={workspace.Id}", TeammateBrowser.Form(page, new() { ["hours"] = "24" }))).StatusCode);

        var snoozed = await ConversationAsync(api, conversationId);
        Assert.Equal("snoozed", snoozed.Str("state"));
        Assert.InRange(snoozed.GetProperty("snoozed_until").GetInt64(), before.AddHours(24).ToUnixTimeSeconds() - 1, DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds() + 1);
        var list = await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}&state=snoozed");
        Assert.Contains($"/app/inbox/{conversationId}?", list, StringComparison.Ordinal);
        Assert.Contains("data-filter=\"snoozed\">1<", list, StringComparison.Ordinal);
        Assert.DoesNotContain($"/app/inbox/{conversationId}?", await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}&state=open"), StringComparison.Ordinal);

        page = await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}");
        Assert.Contains("snoozed the conversation", page, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Snooze", page, StringComparison.Ordinal);
        // Reopen ends the snooze early.
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(
            $"app/inbox/{conversationId}?handler=Reopen&workspace={workspace.Id}", TeammateBrowser.Form(page, new()))).StatusCode);
        var reopened = await ConversationAsync(api, conversationId);
        Assert.Equal(("open", System.Text.Json.JsonValueKind.Null), (reopened.Str("state"), reopened.GetProperty("snoozed_until").ValueKind));

        // A choice the control does not offer is refused on the page, not stored.
        page = await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}");
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(
            $"app/inbox/{conversationId}?handler=Snooze&workspace={workspace.Id}", TeammateBrowser.Form(page, new() { ["hours"] = "5" }))).StatusCode);
        Assert.Equal("open", (await ConversationAsync(api, conversationId)).Str("state"));
        Assert.Contains("Choose how long to snooze", await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}"), StringComparison.Ordinal);
    }
}
