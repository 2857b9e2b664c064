using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Web;

/// <summary>
/// The web app and the messenger on a phone's screen (390 × 844, touch), in headless Chromium:
/// no page scrolls sideways, the reply box and its button are on screen and work, and the
/// messenger opens over the whole screen and sends.
/// </summary>
public sealed class PhoneLayoutTests(Servers servers)
{
    private const string NoSidewaysScroll = "() => document.scrollingElement.scrollWidth <= window.innerWidth";

    [Fact]
    public async Task Pages_FitAPhone_AndTheReplyBoxWorksByTouch()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Northwind Support");
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "vera.lindqvist@example.com", name = "Vera Lindqvist" })).JsonAsync()).Str("id");
        var conversation = (await (await api.PostJsonAsync("conversations", new
        {
            from = new { type = "user", id = contactId },
            body = "Hi! My order #1042 has not arrived yet. The tracking page https://example.com/track/1042-with-a-rather-long-address says it left the depot.",
        })).JsonAsync()).Str("conversation_id");
        var erasure = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", contact_id = contactId })).JsonAsync()).Str("id");
        await (await api.PostAsync($"confide/privacy_requests/{erasure}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{erasure}/start", null)).JsonAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu), HeadlessChromium.Phone());

        await page.GotoAsync("/app/login");
        await AssertFitsAsync(page, "/app/login");
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        var query = $"?workspace={workspace.Id}";
        foreach (var path in new[] { $"/app/inbox{query}", $"/app/activity{query}", $"/app/security{query}", $"/app/settings/security{query}", $"/app/settings/messenger{query}", $"/app/settings/deletion{query}", $"/app/settings/retention{query}", $"/app/privacy{query}", $"/app/privacy/requests/{erasure}{query}", $"/app/privacy/bulk-erase{query}", $"/app/privacy/legal-holds{query}", "/app/no-such-page" })
        {
            await page.GotoAsync(path);
            await AssertFitsAsync(page, path);
        }

        await page.GotoAsync($"/app/inbox{query}");
        await Expect(page.Locator("section.list li").First).ToBeInViewportAsync();
        await page.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("inbox-phone.png") });

        await page.Locator("section.list li a").First.TapAsync();
        await page.WaitForPathAsync($"/app/inbox/{conversation}");
        await AssertFitsAsync(page, "the conversation");
        var reply = page.Locator("textarea#body");
        var send = page.Locator("form.reply button[type=submit]");
        await reply.ScrollIntoViewIfNeededAsync();
        await AssertOnScreenAsync(page, reply, "the reply box");
        await AssertOnScreenAsync(page, send, "the send button");
        await reply.TapAsync();
        await reply.FillAsync("It is at the depot: you can pick it up there today.");
        await page.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("conversation-phone.png") });
        await send.TapAsync();
        await Expect(page.Locator(".parts")).ToContainTextAsync("you can pick it up there today");
    }

    [Fact]
    public async Task Messenger_OnAPhone_OpensFullScreen_AndSends()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(website.Origin, HeadlessChromium.Phone());
        await page.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());

        await page.Locator("#confide-launcher").TapAsync();
        var widget = page.FrameLocator("#confide-frame");
        await Expect(widget.Locator("#messenger")).ToHaveAttributeAsync("data-state", "ready");
        var box = await page.Locator("#confide-frame").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X <= 0.5 && box.Y <= 0.5 && box.Width >= 389.5 && box.Height >= 843.5, $"The messenger covers {box.X},{box.Y} {box.Width}×{box.Height} of a 390×844 screen.");

        await widget.Locator("#new-conversation").TapAsync();
        var message = widget.Locator("#message");
        await message.TapAsync();
        await message.FillAsync("Do you ship to Norway?");
        var send = widget.Locator("form.composer button[type=submit]");
        await Expect(send).ToBeInViewportAsync(new() { Ratio = 1 });
        await send.TapAsync();
        await Expect(widget.Locator(".message.user .body")).ToHaveTextAsync("Do you ship to Norway?");
        var frame = page.Frames.Single(f => f.Url.Contains("/messenger/v1/frame", StringComparison.Ordinal));
        Assert.True(await frame.EvaluateAsync<bool>(NoSidewaysScroll), "The messenger scrolls sideways on a phone.");
        await page.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("messenger-phone.png") });

        // Its own close button gives the page back, launcher included.
        await widget.GetByRole(AriaRole.Button, new() { Name = "Close messages" }).TapAsync();
        await Expect(page.Locator("#confide-frame")).ToBeHiddenAsync();
        await Expect(page.Locator("#confide-launcher")).ToBeVisibleAsync();
    }

    private static async Task AssertFitsAsync(IPage page, string what)
    {
        await page.SettledAsync();
        // Against the screen's width, not innerWidth: a mobile browser widens the layout viewport to fit what overflows.
        var screen = page.ViewportSize!.Width;
        var width = await page.EvaluateAsync<int>("() => document.scrollingElement.scrollWidth");
        Assert.True(width <= screen, $"{what} scrolls sideways on a phone: {width} CSS pixels wide on a {screen}-pixel screen.");
    }

    private static async Task AssertOnScreenAsync(IPage page, ILocator locator, string what)
    {
        await Expect(locator).ToBeVisibleAsync();
        var box = await locator.BoundingBoxAsync();
        var width = page.ViewportSize!.Width;
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= width && box.Height >= 24, $"{what} is at x={box.X}, {box.Width}×{box.Height} on a {width}-pixel screen.");
    }
}
