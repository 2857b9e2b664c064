using System.Net;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>
/// A session ends on the server, not only in the browser that held it: a copy of its cookie
/// stops working when it signs out, and "Sign out everywhere" or a change to how the account
/// signs in ends the account's other sessions at once while the one that made it goes on.
/// </summary>
public sealed class SessionEndTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SignOut_EndsTheSession_ACookieCopiedBeforeIsRefusedAfter(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        await SignInAsync(browser, workspace.OwnerEmail);
        using var copy = server.Browser(Region.Eu, CopyOf(cookies, server.BaseUrl(Region.Eu)));
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("app/inbox")).StatusCode);

        await browser.SignOutAsync(await browser.HtmlAsync("app/inbox"));

        await AssertSignedOutAsync(copy);
        await AssertSignedOutAsync(browser);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SignOutEverywhere_EndsTheOtherSessions_ButNotThisOne(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var here = server.Browser(Region.Eu, new CookieContainer());
        using var elsewhere = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(here, workspace.OwnerEmail);
        await SignInAsync(elsewhere, workspace.OwnerEmail);

        var page = await PostSecurityAsync(here, "SignOutEverywhere", []);
        Assert.Contains("Your other sessions were signed out", page, StringComparison.Ordinal);

        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("app/inbox")).StatusCode);
        using var api = workspace.Client();
        var ended = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_session_revocation");
        Assert.Equal("sign_out_everywhere", ended.GetProperty("metadata").Str("reason"));
        Assert.Equal(1, ended.GetProperty("metadata").GetProperty("sessions_ended").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ChangingThePassword_EndsTheOtherSessionsAtOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var here = server.Browser(Region.Eu, new CookieContainer());
        using var elsewhere = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(here, workspace.OwnerEmail);
        await SignInAsync(elsewhere, workspace.OwnerEmail);

        var page = await PostSecurityAsync(here, "ChangePassword", new() { ["CurrentPassword"] = TeammateBrowser.OwnerPassword, ["NewPassword"] = "vq7-Plum-Harbor-92" });
        Assert.Contains("Your password was changed", page, StringComparison.Ordinal);

        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("app/inbox")).StatusCode);
        using var api = workspace.Client();
        var ended = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_session_revocation");
        Assert.Equal("password_change", ended.GetProperty("metadata").Str("reason"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TurningTwoFactorOnOrOff_EndsTheOtherSessionsAtOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var here = server.Browser(Region.Eu, new CookieContainer());
        using var elsewhere = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(here, workspace.OwnerEmail);
        await SignInAsync(elsewhere, workspace.OwnerEmail);

        // On: the other session ends.
        var setup = await PostSecurityAsync(here, "Setup", []);
        var key = TwoFactorTests.SharedKey().Match(setup).Groups[1].Value;
        var enabled = await here.PostAsync("app/security?handler=Enable", TeammateBrowser.Form(setup, new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, DateTimeOffset.UtcNow) }));
        var enabledPage = await enabled.Content.ReadAsStringAsync();
        Assert.Contains("Two-factor sign-in is on", enabledPage, StringComparison.Ordinal);
        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("app/inbox")).StatusCode);

        // Signed in again there (password and a recovery code), then off: it ends again.
        var recoveryCode = System.Text.RegularExpressions.Regex.Match(enabledPage, "<li><code>([^<]+)</code></li>").Groups[1].Value;
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var secondStep = await elsewhere.HtmlAsync("app/login/two-factor");
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.PostAsync("app/login/two-factor", TeammateBrowser.Form(secondStep, new() { ["Code"] = recoveryCode, ["UseRecoveryCode"] = "true" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("app/inbox")).StatusCode);

        var disabled = await PostSecurityAsync(here, "Disable", new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, DateTimeOffset.UtcNow.AddSeconds(30)) });
        Assert.Contains("Two-factor sign-in is off", disabled, StringComparison.Ordinal);
        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("app/inbox")).StatusCode);

        using var api = workspace.Client();
        var ended = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "admin_session_revocation").ToList();
        Assert.Equal(2, ended.Count);
        Assert.All(ended, e => Assert.Equal("two_factor_change", e.GetProperty("metadata").Str("reason")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MakingNewRecoveryCodes_EndsTheOtherSessionsAtOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var here = server.Browser(Region.Eu, new CookieContainer());
        using var elsewhere = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(here, workspace.OwnerEmail);
        var setup = await PostSecurityAsync(here, "Setup", []);
        var key = TwoFactorTests.SharedKey().Match(setup).Groups[1].Value;
        var enabled = await here.PostAsync("app/security?handler=Enable", TeammateBrowser.Form(setup, new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, DateTimeOffset.UtcNow) }));
        var recoveryCode = System.Text.RegularExpressions.Regex.Match(await enabled.Content.ReadAsStringAsync(), "<li><code>([^<]+)</code></li>").Groups[1].Value;
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var secondStep = await elsewhere.HtmlAsync("app/login/two-factor");
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.PostAsync("app/login/two-factor", TeammateBrowser.Form(secondStep, new() { ["Code"] = recoveryCode, ["UseRecoveryCode"] = "true" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("app/inbox")).StatusCode);

        var renewed = await PostSecurityAsync(here, "RecoveryCodes", new() { ["Code"] = await TwoFactorTests.OathtoolAsync(key, DateTimeOffset.UtcNow.AddSeconds(30)) });
        Assert.Contains("New recovery codes", renewed, StringComparison.Ordinal);

        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("app/inbox")).StatusCode);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AddingOrRemovingAPasskey_EndsTheOtherSessionsAtOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(page);
        using var elsewhere = server.Browser(Region.Eu, new CookieContainer());
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await SignInAsync(elsewhere, workspace.OwnerEmail);

        await PasskeyTests.AddPasskeyAsync(page, "Work laptop");
        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(200, (await page.GotoAsync("/app/inbox"))!.Status);
        Assert.Equal("/app/inbox", new Uri(page.Url).AbsolutePath);

        await SignInAsync(elsewhere, workspace.OwnerEmail);
        await page.GotoAsync("/app/security");
        await page.ClickAsync("#passkeys button:has-text('Remove')");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("p.notice")).ToContainTextAsync("removed");
        await AssertSignedOutAsync(elsewhere);
        Assert.Equal(200, (await page.GotoAsync("/app/inbox"))!.Status);
        Assert.Equal("/app/inbox", new Uri(page.Url).AbsolutePath);
    }

    private static async Task SignInAsync(HttpClient browser, string email)
    {
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("app/inbox")).StatusCode);
    }

    /// <summary>The session's pages send it to the sign-in page.</summary>
    private static async Task AssertSignedOutAsync(HttpClient browser)
    {
        var response = await browser.GetAsync("app/inbox");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/app/login", response.Headers.Location!.OriginalString.Replace(browser.BaseAddress!.GetLeftPart(UriPartial.Authority), "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static async Task<string> PostSecurityAsync(HttpClient browser, string handler, Dictionary<string, string> fields)
    {
        var form = await browser.HtmlAsync("app/security");
        var response = await browser.PostAsync($"app/security?handler={handler}", TeammateBrowser.Form(form, fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>What someone who copied the browser's cookies holds: the same cookies, in a jar of their own.</summary>
    private static CookieContainer CopyOf(CookieContainer cookies, Uri site)
    {
        var copy = new CookieContainer();
        foreach (Cookie cookie in cookies.GetCookies(site))
        {
            copy.Add(site, new Cookie(cookie.Name, cookie.Value, cookie.Path));
        }

        return copy;
    }
}
