using System.Reflection;
using Confide.Platform;
using Confide.Server;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.AspNetCore.Razor.Hosting;
using Microsoft.Playwright;

namespace Confide.Tests.Web;

/// <summary>
/// axe-core scans every page of the web app and the messenger in headless Chromium: none may
/// have a serious or critical violation. The Razor pages are enumerated from the server's
/// assembly, so a new page fails this test until it is scanned here (or named as not a page).
/// </summary>
public sealed class AccessibilityTests(Servers servers)
{
    /// <summary>Razor pages that render nothing to look at, and why.</summary>
    private static readonly Dictionary<string, string> NotPages = new(StringComparer.Ordinal)
    {
        ["/Pages/App/Inbox/Events.cshtml"] = "an event stream for the inbox's live updates",
        ["/Pages/App/Logout.cshtml"] = "a form target; a GET redirects to the inbox",
        ["/Pages/App/Privacy/ExportDownload.cshtml"] = "an export's archive, downloaded through its link",
    };

    [Fact]
    public async Task EveryPage_AndTheMessenger_HaveNoSeriousOrCriticalViolations()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Northwind Support");
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "vera@example.com", name = "Vera Lindqvist" })).JsonAsync()).Str("id");
        var open = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Where is my order #1042?" })).JsonAsync()).Str("conversation_id");
        var closed = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Thanks, it arrived." })).JsonAsync()).Str("conversation_id");
        await (await api.PostJsonAsync($"conversations/{open}/reply", new { message_type = "note", type = "admin", admin_id = workspace.OwnerId, body = "Carrier confirmed a delay." })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{closed}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId, body = "Glad to hear it." })).JsonAsync();
        // Privacy requests: one overdue, one extended and in progress, one refused.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var access = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId, received_at = now - (40 * 86_400) })).JsonAsync()).Str("id");
        var extended = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "web_form", email = "vera@example.com" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"confide/privacy_requests/{extended}/extend", new { reason = "Several requests at once" })).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{extended}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{extended}/start", null)).JsonAsync();
        var refused = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "objection", received_via = "phone", phone = "+44 20 7946 0000", record_if_unmatched = true })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"confide/privacy_requests/{refused}/refuse", new { reason = "Identity could not be verified" })).JsonAsync();
        // Legal holds: one standing on a conversation (so its contact is held too), one released.
        await (await api.PostJsonAsync("confide/legal_holds", new { target_type = "conversation", target_id = closed, reason = "Dispute over order #1042", until = now + (90 * 86_400) })).JsonAsync();
        var releasedHold = (await (await api.PostJsonAsync("confide/legal_holds", new { target_type = "workspace", target_id = workspace.Id, reason = "Audit 2026" })).JsonAsync()).Str("id");
        await (await api.DeleteAsync($"confide/legal_holds/{releasedHold}")).JsonAsync();
        // Another workspace invites this owner, so the invitations page has one to answer.
        var inviting = await server.CreateWorkspaceAsync(Region.Eu, "Inviting workspace");
        using (var invitingApi = inviting.Client())
        {
            await (await invitingApi.PostJsonAsync("confide/teammates", new { email = workspace.OwnerEmail, name = "Ines", role = "agent" })).JsonAsync();
            await (await invitingApi.PostJsonAsync("confide/teammates", new { email = "new.hire@example.com", name = "Nia", role = "agent" })).JsonAsync();
        }

        await using var website = await CompanyWebsite.StartAsync();
        await MessengerSetup.AllowOriginsAsync(server, workspace, website.OriginText);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu), Axe.ProfileOptions());
        var violations = new List<string>();
        var scanned = new HashSet<string>(StringComparer.Ordinal);

        async Task ScanAsync(string razorPage, string path, string? landsOn = null)
        {
            await page.GotoAsync(path);
            await page.WaitForPathAsync(landsOn ?? new Uri(new Uri("https://x"), path).AbsolutePath);
            await page.SettledAsync();
            violations.AddRange(await Axe.SeriousViolationsAsync(page.MainFrame, path));
            scanned.Add($"/Pages/App/{razorPage}.cshtml");
        }

        // Signed out.
        await ScanAsync("Login", "/app/login");
        await ScanAsync("Sso/Index", "/app/sso");
        await ScanAsync("Sso/Error", "/app/sso/error?reason=state_invalid");
        await ScanAsync("Error", "/app/no-such-page");
        await ScanAsync("Join", "/" + server.InvitationLinkTo("new.hire@example.com"));

        // Signed in, on pages with content: an open and a closed conversation, a note, the reply box.
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        var query = $"?workspace={workspace.Id}";
        await ScanAsync("Inbox/Index", $"/app/inbox{query}&state=all");
        await ScanAsync("Inbox/Conversation", $"/app/inbox/{open}{query}");
        await ScanAsync("Inbox/Conversation", $"/app/inbox/{closed}{query}");
        await ScanAsync("Activity/Index", $"/app/activity{query}");
        await ScanAsync("Settings/Security", $"/app/settings/security{query}");
        await ScanAsync("Settings/Deletion", $"/app/settings/deletion{query}");
        await ScanAsync("Settings/Retention", $"/app/settings/retention{query}");
        await ScanAsync("Settings/Messenger", $"/app/settings/messenger{query}");
        await ScanAsync("Privacy/Index", $"/app/privacy{query}");
        await page.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("privacy-centre.png"), FullPage = true });
        await ScanAsync("Privacy/Request", $"/app/privacy/requests/{access}{query}");
        await ScanAsync("Privacy/Request", $"/app/privacy/requests/{extended}{query}");
        await ScanAsync("Privacy/BulkErase", $"/app/privacy/bulk-erase{query}");
        await page.FillAsync("#bulk-ids", contactId);
        await page.ClickAsync("#bulk-preview");
        await page.Locator("#bulk-preview-count").WaitForAsync();
        violations.AddRange(await Axe.SeriousViolationsAsync(page.MainFrame, "/app/privacy/bulk-erase (dry run)"));
        await ScanAsync("Privacy/LegalHolds", $"/app/privacy/legal-holds{query}");
        await ScanAsync("Reauthenticate", $"/app/reauthenticate");
        await ScanAsync("Error", $"/app/inbox/no-such-conversation{query}");
        await ScanAsync("Invitations", "/app/invitations");
        await ScanAsync("Security", $"/app/security{query}");

        // The authenticator app's set-up, then the second step of signing in with it.
        await page.ClickAsync("button:text('Set up an authenticator app')");
        var key = await page.Locator("#shared-key").TextContentAsync();
        violations.AddRange(await Axe.SeriousViolationsAsync(page.MainFrame, "/app/security (setting up an authenticator app)"));
        await page.FillAsync("#Code", await TwoFactorTests.OathtoolAsync(key!, DateTimeOffset.UtcNow));
        await page.ClickAsync("button:text('Turn on two-factor sign-in')");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Two-factor sign-in is on");
        violations.AddRange(await Axe.SeriousViolationsAsync(page.MainFrame, "/app/security (recovery codes)"));
        await page.ClickAsync("button:text('Sign out')");
        await page.WaitForPathAsync("/app/login");
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail, landsOn: "/app/login/two-factor");
        await page.SettledAsync();
        violations.AddRange(await Axe.SeriousViolationsAsync(page.MainFrame, "/app/login/two-factor"));
        scanned.Add("/Pages/App/LoginTwoFactor.cshtml");

        // The messenger on a customer's page: the launcher, then the frame's list and a thread.
        var visitor = await chromium.NewPageAsync(website.Origin, Axe.ProfileOptions());
        await visitor.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id).ToString());
        await visitor.SettledAsync();
        violations.AddRange((await Axe.SeriousViolationsAsync(visitor.MainFrame, "the company's page with the launcher")).Where(v => v.Contains("#confide-", StringComparison.Ordinal)));
        var widget = await MessengerBrowserTests.OpenWidgetAsync(visitor);
        var frame = visitor.Frames.Single(f => f.Url.Contains("/messenger/v1/frame", StringComparison.Ordinal));
        violations.AddRange(await Axe.SeriousViolationsAsync(frame, "messenger (conversations)"));
        await widget.Locator("#new-conversation").ClickAsync();
        await MessengerBrowserTests.SendAsync(widget, "Do you ship to Norway?");
        await Assertions.Expect(widget.Locator(".message.user .body")).ToHaveTextAsync("Do you ship to Norway?");
        violations.AddRange(await Axe.SeriousViolationsAsync(frame, "messenger (a conversation)"));
        var thread = await widget.Locator("#messenger").GetAttributeAsync("data-thread");
        await (await api.PostJsonAsync($"conversations/{thread}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
        await widget.GetByRole(AriaRole.Button, new() { Name = "Rate 4 of 5" }).ClickAsync();
        violations.AddRange(await Axe.SeriousViolationsAsync(frame, "messenger (rating a closed conversation)"));
        await widget.GetByRole(AriaRole.Button, new() { Name = "Send rating" }).ClickAsync();
        await Assertions.Expect(widget.Locator(".rating .given")).ToBeVisibleAsync();
        violations.AddRange(await Axe.SeriousViolationsAsync(frame, "messenger (a rated conversation)"));

        Assert.Equal(RazorPages().Except(NotPages.Keys).Order(StringComparer.Ordinal), scanned.Order(StringComparer.Ordinal));
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    /// <summary>Every Razor page compiled into the server, by its file (e.g. /Pages/App/Login.cshtml).</summary>
    private static List<string> RazorPages()
    {
        var pages = typeof(ConfideHost).Assembly.GetCustomAttributes<RazorCompiledItemAttribute>()
            .Where(item => item.Kind == "mvc.1.0.razor-page")
            .Select(item => item.Identifier)
            .ToList();
        Assert.NotEmpty(pages);
        return pages;
    }
}
