using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Web;

/// <summary>
/// A settings change that ran into step-up in a real browser: after confirming, the form comes
/// back filled with exactly what was submitted and a notice that it is not applied yet; one more
/// press applies it. Nothing is applied behind the teammate's back.
/// </summary>
public sealed class StepUpBrowserTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MessengerSettings_AfterStepUp_ComeBackFilled_NotApplied_UntilSubmittedAgain(string provider)
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);

        clock.Advance(TimeSpan.FromMinutes(6));
        await page.GotoAsync($"/app/settings/messenger?workspace={workspace.Id}");
        await page.FillAsync("#AllowedOrigins", "https://shop.example.com\nhttps://www.example.com");
        await page.CheckAsync("#IdentityVerificationEnforced");
        await page.FillAsync("#JwtMaxLifetimeSeconds", "900");
        await page.ClickAsync("form:has(#AllowedOrigins) button[type=submit]");
        await ConfirmWithPasswordAsync(page, "/app/settings/messenger");

        await Expect(page.Locator("[data-step-up-pending]")).ToContainTextAsync("not applied yet");
        await Expect(page.Locator("#AllowedOrigins")).ToHaveValueAsync("https://shop.example.com\nhttps://www.example.com");
        await Expect(page.Locator("#IdentityVerificationEnforced")).ToBeCheckedAsync();
        await Expect(page.Locator("#JwtMaxLifetimeSeconds")).ToHaveValueAsync("900");
        var stored = await (await api.GetAsync("confide/messenger_settings")).JsonAsync();
        Assert.Empty(stored.GetProperty("allowed_origins").EnumerateArray());
        Assert.False(stored.GetProperty("identity_verification_enforced").GetBoolean());

        // Once: a reload shows what is stored again, not the pending values.
        await page.ReloadAsync();
        await Expect(page.Locator("#AllowedOrigins")).ToHaveValueAsync("");
        await Expect(page.Locator("[data-step-up-pending]")).ToHaveCountAsync(0);

        // Submitted again (with a fresh authentication now): applied.
        await page.FillAsync("#AllowedOrigins", "https://shop.example.com");
        await page.ClickAsync("form:has(#AllowedOrigins) button[type=submit]");
        await Expect(page.Locator("p.notice")).ToContainTextAsync("Saved.");
        stored = await (await api.GetAsync("confide/messenger_settings")).JsonAsync();
        Assert.Equal(["https://shop.example.com"], stored.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task WorkspaceSecurity_AfterStepUp_ComesBackFilled_AndOneMorePressAppliesIt()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);

        clock.Advance(TimeSpan.FromMinutes(6));
        await page.GotoAsync($"/app/settings/security?workspace={workspace.Id}");
        await page.FillAsync("#IpAllowlist", "127.0.0.0/8\n::1");
        await page.UncheckAsync("input[name=AllowedSignInMethods][value=sso]");
        await page.FillAsync("#SessionIdleMinutes", "20");
        await page.ClickAsync("form button[type=submit]:has-text('Save')");
        await ConfirmWithPasswordAsync(page, "/app/settings/security");

        await Expect(page.Locator("[data-step-up-pending]")).ToContainTextAsync("not applied yet");
        await Expect(page.Locator("#IpAllowlist")).ToHaveValueAsync("127.0.0.0/8\n::1");
        await Expect(page.Locator("#SessionIdleMinutes")).ToHaveValueAsync("20");
        await Expect(page.Locator("input[name=AllowedSignInMethods][value=sso]")).Not.ToBeCheckedAsync();
        await Expect(page.Locator("input[name=AllowedSignInMethods][value=password]")).ToBeCheckedAsync();
        Assert.Empty((await (await api.GetAsync("confide/security_settings")).JsonAsync()).GetProperty("ip_allowlist").EnumerateArray());

        await page.ClickAsync("form button[type=submit]:has-text('Save')");
        await Expect(page.Locator("p.notice")).ToContainTextAsync("Saved.");
        var settings = await (await api.GetAsync("confide/security_settings")).JsonAsync();
        Assert.Equal(["127.0.0.0/8", "::1/128"], settings.GetProperty("ip_allowlist").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(20, settings.GetProperty("session_idle_minutes").GetInt32());
    }

    /// <summary>Secrets are never carried over: a password change says it was not applied and comes back empty.</summary>
    [Fact]
    public async Task PasswordChange_AfterStepUp_IsShownAsNotApplied_WithoutKeepingThePasswords()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(6));
        const string NewPassword = "an-entirely-new-passphrase-42";
        var stale = await browser.PostAsync("app/security?handler=ChangePassword", TeammateBrowser.Form(await browser.HtmlAsync("app/security"), new()
        {
            ["CurrentPassword"] = TeammateBrowser.OwnerPassword,
            ["NewPassword"] = NewPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, stale.StatusCode);
        var setCookies = string.Join("\n", stale.Headers.TryGetValues("Set-Cookie", out var values) ? values : []);
        Assert.DoesNotContain(NewPassword, setCookies, StringComparison.Ordinal);
        var confirm = stale.Headers.Location!.OriginalString.TrimStart('/');
        var confirmPage = await browser.HtmlAsync(confirm);
        var back = await browser.PostAsync(confirm, TeammateBrowser.Form(confirmPage, new() { ["Answer"] = TeammateBrowser.OwnerPassword }));
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);

        var security = await browser.HtmlAsync(back.Headers.Location!.OriginalString.TrimStart('/'));
        Assert.Contains("not applied yet", security, StringComparison.Ordinal);
        Assert.DoesNotContain(NewPassword, security, StringComparison.Ordinal);
        Assert.DoesNotContain(TeammateBrowser.OwnerPassword, security, StringComparison.Ordinal);
        // The old password still signs in: nothing was changed.
        using var other = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await other.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
    }

    private static async Task ConfirmWithPasswordAsync(IPage page, string backTo)
    {
        await page.WaitForPathAsync("/app/reauthenticate");
        await page.FillAsync("#Answer", TeammateBrowser.OwnerPassword);
        await page.ClickAsync("form:has(#Answer) button[type=submit]");
        await page.WaitForPathAsync(backTo);
    }
}
