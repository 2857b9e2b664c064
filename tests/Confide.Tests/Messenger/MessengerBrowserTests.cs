using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Web;
using Microsoft.Playwright;

namespace Confide.Tests.Messenger;

/// <summary>
/// The messenger on a customer's website and the teammate inbox, in headless Chromium: messages
/// travel live both ways, identities hold, and message content is only ever text.
/// </summary>
public sealed class MessengerBrowserTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VisitorWrites_AppearsLiveInInbox_TeammateReply_AppearsLiveInWidget(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Acme");
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();

        var teammate = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(teammate, workspace.OwnerEmail);
        await teammate.GotoAsync($"/app/inbox?workspace={workspace.Id}");

        var visitor = await chromium.NewPageAsync(website.Origin);
        await visitor.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());
        var widget = await OpenWidgetAsync(visitor);
        await widget.Locator("#new-conversation").ClickAsync();
        await SendAsync(widget, "Do you ship to Norway?");
        await Assertions.Expect(widget.Locator(".message.user .body")).ToHaveTextAsync("Do you ship to Norway?");

        // The inbox, open before the visitor wrote, shows the conversation without a reload.
        var row = teammate.Locator("section.list li", new() { HasText = "Do you ship to Norway?" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await row.Locator("a").ClickAsync();
        await teammate.FillAsync("textarea#body", "Yes, within 3 days.");
        await teammate.ClickAsync("form.reply button[type=submit]");

        // The reply reaches the open widget live.
        await Assertions.Expect(widget.Locator(".message.admin .body")).ToHaveTextAsync("Yes, within 3 days.");
        await visitor.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("messenger.png") });

        // With the messenger closed, the next reply shows as an unread badge on the launcher.
        await visitor.ClickAsync("#confide-launcher");
        await Assertions.Expect(visitor.Locator("#confide-frame")).ToBeHiddenAsync();
        await teammate.FillAsync("textarea#body", "Anything else?");
        await teammate.ClickAsync("form.reply button[type=submit]");
        await Assertions.Expect(visitor.Locator("#confide-launcher")).ToHaveAttributeAsync("data-unread", "1");
        await Assertions.Expect(visitor.Locator("#confide-launcher .confide-unread")).ToHaveTextAsync("1");
        await visitor.ClickAsync("#confide-launcher");
        await Assertions.Expect(widget.Locator(".message.admin .body").Last).ToHaveTextAsync("Anything else?");
        await Assertions.Expect(visitor.Locator("#confide-launcher")).ToHaveAttributeAsync("data-unread", "0");

        // A returning visitor (same browser, new page) finds the conversation again.
        await visitor.ReloadAsync();
        widget = await OpenWidgetAsync(visitor);
        await Assertions.Expect(widget.Locator("[data-conversation-id]")).ToHaveCountAsync(1);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task HostileMessage_RendersAsText_InWidgetAndInbox(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        const string Hostile = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=1\"> see javascript:alert(1) and https://example.com/help";

        var visitor = await chromium.NewPageAsync(website.Origin);
        await visitor.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());
        var widget = await OpenWidgetAsync(visitor);
        await widget.Locator("#new-conversation").ClickAsync();
        await SendAsync(widget, Hostile);
        var body = widget.Locator(".message.user .body");
        await Assertions.Expect(body).ToHaveTextAsync(Hostile);
        await Assertions.Expect(body.Locator("img, script")).ToHaveCountAsync(0);
        await Assertions.Expect(body.Locator("a")).ToHaveCountAsync(1);
        await Assertions.Expect(body.Locator("a")).ToHaveAttributeAsync("href", "https://example.com/help");
        await Assertions.Expect(body.Locator("a")).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
        Assert.Null(await FrameOf(visitor).EvaluateAsync<object?>("() => window.__xss"));
        Assert.Null(await visitor.EvaluateAsync<object?>("() => window.__xss"));

        var teammate = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(teammate, workspace.OwnerEmail);
        await teammate.GotoAsync($"/app/inbox?workspace={workspace.Id}");
        await teammate.Locator("section.list li a").First.ClickAsync();
        var part = teammate.GetByText("<script>window.__xss=1</script>", new() { Exact = false });
        await Assertions.Expect(part).ToBeVisibleAsync();
        Assert.Null(await teammate.EvaluateAsync<object?>("() => window.__xss"));
        await Assertions.Expect(teammate.Locator("main img")).ToHaveCountAsync(0);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TeammateCloses_RatingControlAppearsLive_VisitorRates_AndRatingAgainReplacesIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var visitor = await chromium.NewPageAsync(website.Origin);
        await visitor.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());
        var widget = await OpenWidgetAsync(visitor);
        await widget.Locator("#new-conversation").ClickAsync();
        await SendAsync(widget, "My parcel is late");
        await Assertions.Expect(widget.Locator(".message.user .body")).ToHaveTextAsync("My parcel is late");
        var conversation = await widget.Locator("#messenger").GetAttributeAsync("data-thread");
        Assert.NotNull(conversation);
        await Assertions.Expect(widget.Locator(".rating")).ToHaveCountAsync(0);

        // The teammate closes it through the API; the open thread learns of it live.
        await (await api.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId, body = "It is on its way." })).JsonAsync();
        await Assertions.Expect(widget.GetByText("How would you rate this conversation?")).ToBeVisibleAsync();

        // Sending without a choice says what is missing, in the frame.
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send rating" }).ClickAsync();
        await Assertions.Expect(widget.Locator(".rating [role=alert]")).ToHaveTextAsync("Choose a rating from 1 to 5 first.");

        // The API's refusal shows as a message in the frame (the box's own limit taken away to reach it).
        const string Remark = "<b>Quick</b> and kind <img src=x onerror=\"window.__xss=1\">";
        await widget.GetByRole(AriaRole.Button, new() { Name = "Rate 4 of 5" }).ClickAsync();
        await Assertions.Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Rate 4 of 5" })).ToHaveAttributeAsync("aria-pressed", "true");
        var remark = widget.GetByRole(AriaRole.Textbox, new() { Name = "Remark (optional)" });
        await Assertions.Expect(remark).ToHaveAttributeAsync("maxlength", "1000");
        await remark.EvaluateAsync("box => box.removeAttribute('maxlength')");
        await remark.FillAsync(new string('x', 1001));
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send rating" }).ClickAsync();
        await Assertions.Expect(widget.Locator(".rating [role=alert]")).ToHaveTextAsync("remark must be at most 1000 characters");

        await remark.FillAsync(Remark);
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send rating" }).ClickAsync();
        await Assertions.Expect(widget.Locator(".rating .given")).ToHaveTextAsync("You rated this conversation 4/5");
        await Assertions.Expect(widget.Locator(".rating .remark")).ToHaveTextAsync("Your remark: " + Remark);
        await Assertions.Expect(widget.Locator(".rating .remark").Locator("b, img")).ToHaveCountAsync(0);
        await Assertions.Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Change rating" })).ToBeFocusedAsync();
        Assert.Null(await FrameOf(visitor).EvaluateAsync<object?>("() => window.__xss"));
        var rating = (await (await api.GetAsync($"conversations/{conversation}")).JsonAsync()).GetProperty("conversation_rating");
        Assert.Equal((4, Remark), (rating.GetProperty("rating").GetInt32(), rating.Str("remark")));

        // Changing it, with the keyboard: the choice and the remark start as they were; the new rating replaces the old.
        await visitor.Keyboard.PressAsync("Enter");
        await Assertions.Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Rate 4 of 5" })).ToBeFocusedAsync();
        await Assertions.Expect(remark).ToHaveValueAsync(Remark);
        await visitor.Keyboard.PressAsync("Shift+Tab");
        await visitor.Keyboard.PressAsync("Enter");
        await Assertions.Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Rate 3 of 5" })).ToHaveAttributeAsync("aria-pressed", "true");
        await remark.FillAsync("");
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send rating" }).ClickAsync();
        await Assertions.Expect(widget.Locator(".rating .given")).ToHaveTextAsync("You rated this conversation 3/5");
        await Assertions.Expect(widget.Locator(".rating .remark")).ToHaveCountAsync(0);
        rating = (await (await api.GetAsync($"conversations/{conversation}")).JsonAsync()).GetProperty("conversation_rating");
        Assert.Equal((3, ""), (rating.GetProperty("rating").GetInt32(), rating.Str("remark")));

        // A returning visitor sees the rating the read gives.
        await visitor.ReloadAsync();
        widget = await OpenWidgetAsync(visitor);
        await widget.Locator($"[data-conversation-id='{conversation}']").ClickAsync();
        await Assertions.Expect(widget.Locator(".rating .given")).ToHaveTextAsync("You rated this conversation 3/5");
    }

    [Fact]
    public async Task Messenger_WorksWithTheKeyboardAlone_AndNamesItsControls()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(website.Origin);
        await page.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());
        var widget = page.FrameLocator("#confide-frame");

        // Tab reaches the launcher (a named button); Enter opens the messenger with the keyboard inside it.
        var launcher = page.GetByRole(AriaRole.Button, new() { Name = "Open messages" });
        await Assertions.Expect(launcher).ToHaveAttributeAsync("aria-expanded", "false");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(launcher).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTitle("Messages")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#confide-launcher")).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Send us a message" })).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Enter");
        var message = widget.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await Assertions.Expect(message).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Typed without a mouse");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(widget.Locator(".message.user .body")).ToHaveTextAsync("Typed without a mouse");
        await Assertions.Expect(widget.GetByRole(AriaRole.Button, new() { Name = "Back to conversations" })).ToBeVisibleAsync();

        // Escape closes it and gives the keyboard back to the launcher.
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#confide-frame")).ToBeHiddenAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Open messages" })).ToBeFocusedAsync();
    }

    internal static async Task<IFrameLocator> OpenWidgetAsync(IPage page)
    {
        await page.ClickAsync("#confide-launcher");
        var widget = page.FrameLocator("#confide-frame");
        await Assertions.Expect(widget.Locator("#messenger[data-state=ready], #messenger[data-state=refused]")).ToHaveCountAsync(1);
        return widget;
    }

    internal static async Task SendAsync(IFrameLocator widget, string text)
    {
        await widget.Locator("#message").FillAsync(text);
        await widget.Locator("form.composer button[type=submit]").ClickAsync();
    }

    private static IFrame FrameOf(IPage page) => page.Frames.Single(f => f.Url.Contains("/messenger/v1/frame", StringComparison.Ordinal));
}
