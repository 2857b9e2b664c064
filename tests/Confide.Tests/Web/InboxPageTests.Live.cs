using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Web;

/// <summary>The inbox in a real browser: live updates, the assign control, and untrusted content rendered as text.</summary>
public sealed partial class InboxPageTests
{
    /// <summary>Well under the 30 s fallback re-read: what arrives within it came through the live signal.</summary>
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 20_000 };

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Thread_And_List_ShowANewMessageWithoutReload_AndAssignWorks(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Northwind Support");
        using var api = workspace.Client();
        var agent = await AddTeammateAsync(server, api, "agent", "Avery Agent");
        var contactId = await AddContactAsync(api, "vera@example.com", "Vera Lindqvist");
        var conversationId = await StartConversationAsync(api, contactId, "Hi! My order #1042 has not arrived yet.\nCould you check where it is?", assignTo: null, workspace);
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new
        {
            message_type = "comment", type = "admin", admin_id = workspace.OwnerId,
            body = "Sorry about that! The tracking page is https://example.com/track/1042 and it shows the parcel at the depot.",
        })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new
        {
            message_type = "note", type = "admin", admin_id = workspace.OwnerId, body = "Carrier confirmed a delay; offer free shipping next time.",
        })).JsonAsync();

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var thread = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await thread.SetViewportSizeAsync(1280, 800);
        await PasskeyTests.SignInWithPasswordAsync(thread, workspace.OwnerEmail);
        var list = await thread.Context.NewPageAsync();
        await list.GotoAsync($"/app/inbox?workspace={workspace.Id}");
        await thread.GotoAsync($"/app/inbox/{conversationId}?workspace={workspace.Id}");
        await Expect(thread.Locator(".contact")).ToContainTextAsync("vera@example.com");
        await Expect(thread.Locator(".contact")).ToContainTextAsync("user");

        // A draft in progress survives the live update: same text, still focused.
        var draft = thread.Locator("#body");
        await draft.FillAsync("Let me look into th");
        await draft.FocusAsync();
        await ContactRepliesAsync(api, conversationId, contactId, "Thanks, the depot is close to me. Can I pick it up there?");
        await Expect(thread.Locator(".parts")).ToContainTextAsync("Can I pick it up there?", Live);
        await Expect(list.Locator(".list")).ToContainTextAsync("Can I pick it up there?", Live);
        await Expect(draft).ToHaveValueAsync("Let me look into th");
        await Expect(draft).ToBeFocusedAsync();
        await Expect(thread.Locator(".parts > li")).ToHaveCountAsync(4);

        // Assign from the thread: the assignee changes and an assignment part is written.
        await thread.SelectOptionAsync("#assignee", agent.Id);
        await thread.ClickAsync("form.assign button[type=submit]");
        await Expect(thread.Locator(".meta")).ToContainTextAsync("Assigned to Avery Agent");
        await Expect(thread.Locator(".parts")).ToContainTextAsync("assigned the conversation to Avery Agent");
        var conversation = await ConversationAsync(api, conversationId);
        Assert.Equal(agent.Id, conversation.Str("admin_assignee_id"));
        var last = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().Last();
        Assert.Equal("assignment", last.Str("part_type"));
        Assert.Equal(workspace.OwnerId, last.GetProperty("author").Str("id"));
        // The list learns of the assignment live too.
        await Expect(list.Locator(".list")).ToContainTextAsync("Avery Agent", Live);

        if (provider == Providers.Sqlite)
        {
            await thread.Locator("#body").FillAsync("");
            await thread.Locator("#body").BlurAsync();
            await thread.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("inbox.png"), FullPage = true });
        }
    }

    [Fact]
    public async Task HostileContent_IsText_InitiallyAndWhenItArrivesLive()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = await AddContactAsync(api, "mallory@example.com", "<b>Mallory</b>");
        const string Hostile = "<script>window.__xss=1</script> and <img src=x onerror=\"window.__xss=1\"> javascript:alert(1) but https://example.com/x";
        var conversationId = await StartConversationAsync(api, contactId, Hostile, assignTo: null, workspace);

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await page.GotoAsync($"/app/inbox/{conversationId}?workspace={workspace.Id}");
        await ContactRepliesAsync(api, conversationId, contactId, "Live: " + Hostile);
        await Expect(page.Locator(".parts")).ToContainTextAsync("Live: <script>window.__xss=1</script>", Live);

        var parts = page.Locator(".parts > li .body");
        await Expect(parts).ToHaveCountAsync(2);
        for (var i = 0; i < 2; i++)
        {
            var body = parts.Nth(i);
            await Expect(body).ToBeVisibleAsync();
            await Expect(body).ToContainTextAsync("<img src=x onerror=\"window.__xss=1\">");
            await Expect(body.Locator("a")).ToHaveCountAsync(1);
            var link = body.Locator("a");
            await Expect(link).ToHaveAttributeAsync("href", "https://example.com/x");
            await Expect(link).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
            await Expect(link).ToHaveAttributeAsync("target", "_blank");
        }

        await Expect(page.Locator(".parts img, .parts script")).ToHaveCountAsync(0);
        await Expect(page.Locator("a[href^='javascript:' i]")).ToHaveCountAsync(0);
        await Expect(page.Locator("h1")).ToHaveTextAsync("<b>Mallory</b>");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
    }
}
