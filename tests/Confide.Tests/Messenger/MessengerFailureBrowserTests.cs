using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Messenger;

/// <summary>
/// The messenger when something goes wrong, in headless Chromium: the network or the server
/// failing reads as a sentence with a way to try again, and a site Confide does not allow gets
/// a frame that says so rather than one the browser refuses to show.
/// </summary>
public sealed class MessengerFailureBrowserTests(Servers servers)
{
    private const string Boot = "**/messenger/v1/boot**";
    private const string NewConversation = "**/messenger/v1/conversations";

    [Fact]
    public async Task ServerUnreachable_ShowsAReadableProblemAndRetry_ThenWorks()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(website.Origin);

        // The network drops the boot request.
        await page.Context.RouteAsync(Boot, route => route.AbortAsync("internetdisconnected"));
        await page.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());
        await page.ClickAsync("#confide-launcher");
        var widget = page.FrameLocator("#confide-frame");
        await Expect(widget.Locator("#messenger")).ToHaveAttributeAsync("data-state", "unavailable");
        await Expect(widget.GetByRole(AriaRole.Alert)).ToHaveTextAsync("We could not reach the messenger. Check your connection and try again.");
        await Expect(widget.Locator("#messenger")).Not.ToContainTextAsync("Failed to fetch");
        var retry = widget.GetByRole(AriaRole.Button, new() { Name = "Try again" });
        await Expect(retry).ToBeFocusedAsync();

        // Back online: trying again boots the messenger.
        await page.Context.UnrouteAsync(Boot);
        await retry.ClickAsync();
        await Expect(widget.Locator("#messenger")).ToHaveAttributeAsync("data-state", "ready");
        await widget.Locator("#new-conversation").ClickAsync();

        // The server fails the send (a 500): the text stays, the problem is said, and sending again works.
        await page.Context.RouteAsync(NewConversation, route => route.Request.Method == "POST"
            ? route.FulfillAsync(new() { Status = 500, ContentType = "application/json", Body = "{}" })
            : route.ContinueAsync());
        await MessengerBrowserTests.SendAsync(widget, "Are you open on Sunday?");
        var problem = widget.Locator("form.composer .error");
        await Expect(problem).ToContainTextAsync("Not sent. We could not reach the messenger.");
        await Expect(widget.Locator("#message")).ToHaveValueAsync("Are you open on Sunday?");
        await page.Context.UnrouteAsync(NewConversation);
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send again" }).ClickAsync();
        await Expect(widget.Locator(".message.user .body")).ToHaveTextAsync("Are you open on Sunday?");
        await Expect(widget.Locator("form.composer .error")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SiteNotInTheAllowedOrigins_GetsAFrameSayingSo()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, "https://shop.example.com");
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(website.Origin);
        await page.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());

        await page.ClickAsync("#confide-launcher");
        var widget = page.FrameLocator("#confide-frame");
        await Expect(widget.Locator("#messenger")).ToHaveAttributeAsync("data-state", "origin-not-allowed");
        await Expect(widget.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Messages are not available on this website yet.");
        await Expect(widget.Locator("#messenger")).ToContainTextAsync(website.OriginText);
        // Nothing of the messenger itself: no session was started.
        await Expect(widget.Locator("#new-conversation")).ToHaveCountAsync(0);

        await widget.GetByRole(AriaRole.Button, new() { Name = "Close messages" }).ClickAsync();
        await Expect(page.Locator("#confide-frame")).ToBeHiddenAsync();
    }
}
