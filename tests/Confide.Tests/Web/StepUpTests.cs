using System.Net;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Web;

/// <summary>
/// Step-up re-authentication: security changes and exports in the web app need an
/// authentication at most five minutes old, renewed with the account's strongest method.
/// </summary>
public sealed class StepUpTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Exports_NeedARecentAuthentication_RenewedWithThePassword(string provider)
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var csv = $"app/activity?handler=Csv&workspace={workspace.Id}";

        // Just signed in: fresh. Six minutes later: sent to confirm, and back to the page after.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(csv)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(6));
        var stale = await browser.GetAsync(csv);
        Assert.Equal(HttpStatusCode.Redirect, stale.StatusCode);
        var confirm = stale.Headers.Location!.OriginalString;
        Assert.StartsWith("/app/reauthenticate?", confirm, StringComparison.Ordinal);
        var page = await browser.HtmlAsync(confirm.TrimStart('/'));
        Assert.Contains("Your password", page, StringComparison.Ordinal);

        var wrong = await browser.PostAsync(confirm.TrimStart('/'), TeammateBrowser.Form(page, new() { ["Answer"] = "not-the-password" }));
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(csv)).StatusCode);
        var right = await browser.PostAsync(confirm.TrimStart('/'), TeammateBrowser.Form(page, new() { ["Answer"] = TeammateBrowser.OwnerPassword }));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal($"/app/activity?workspace={workspace.Id}", right.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(csv)).StatusCode);

        // The renewal survives Identity's periodic refresh of the session (every minute), and lapses again after five minutes.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"app/inbox?workspace={workspace.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(csv)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(csv)).StatusCode);

        using var api = workspace.Client();
        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "admin_reauthentication").ToList();
        Assert.Equal(2, entries.Count);
        Assert.Single(entries, e => e.GetProperty("metadata").GetProperty("succeeded").GetBoolean());
        Assert.All(entries, e => Assert.Equal("password", e.GetProperty("metadata").Str("method")));
    }

    [Fact]
    public async Task AnAccountWithAnAuthenticator_MustRenewWithACode_NotThePassword()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var security = await browser.HtmlAsync("app/security");
        var setup = await (await browser.PostAsync("app/security?handler=Setup", TeammateBrowser.Form(security, []))).Content.ReadAsStringAsync();
        var key = TwoFactorTests.SharedKey().Match(setup).Groups[1].Value;
        var enabled = await browser.PostAsync("app/security?handler=Enable", TeammateBrowser.Form(setup, new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, clock.GetUtcNow()) }));
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);

        // Turning two-factor sign-in off later needs a renewal first; the password no longer renews.
        clock.Advance(TimeSpan.FromMinutes(10));
        var page = await browser.HtmlAsync("app/security");
        var disable = await browser.PostAsync("app/security?handler=Disable", TeammateBrowser.Form(page, new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, clock.GetUtcNow()) }));
        Assert.Equal(HttpStatusCode.Redirect, disable.StatusCode);
        var confirm = disable.Headers.Location!.OriginalString.TrimStart('/');
        var confirmPage = await browser.HtmlAsync(confirm);
        Assert.Contains("Code from your authenticator app", confirmPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync(confirm, TeammateBrowser.Form(confirmPage, new() { ["Answer"] = TeammateBrowser.OwnerPassword }))).StatusCode);
        var code = await TwoFactorTests.OathtoolAsync(key, clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(confirm, TeammateBrowser.Form(confirmPage, new() { ["Answer"] = code }))).StatusCode);

        // Now the action itself goes through (with its own, later code: each code works once).
        clock.Advance(TimeSpan.FromSeconds(30));
        page = await browser.HtmlAsync("app/security");
        var done = await browser.PostAsync("app/security?handler=Disable", TeammateBrowser.Form(page, new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, clock.GetUtcNow()) }));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Contains("Two-factor sign-in is off", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
