using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Confide.Tests.Web;

/// <summary>
/// Passkeys in a real browser: headless Chromium with the DevTools virtual authenticator
/// (CTAP2, discoverable credentials, user verification), against the real server over HTTPS.
/// Registration on the security page, sign-in with the passkey alone, and the refusals.
/// </summary>
public sealed class PasskeyTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Passkey_AddedOnSecurityPage_SignsInAlone_AndIsLogged(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        var authenticator = await VirtualAuthenticator.AttachAsync(page);

        await SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await AddPasskeyAsync(page, "Test laptop");
        Assert.Equal("Test laptop", await page.Locator("#passkeys .passkey-name").InnerTextAsync());
        var credential = Assert.Single(await authenticator.CredentialsAsync());

        // Only the public half is stored: the authenticator's private scalar is in no stored field.
        var stored = await StoredPasskeysAsync(server, workspace.OwnerEmail);
        var passkey = Assert.Single(stored);
        Assert.Equal(Convert.FromBase64String(credential.GetProperty("credentialId").GetString()!), passkey.CredentialId);
        using (var key = ECDsa.Create())
        {
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(credential.GetProperty("privateKey").GetString()!), out _);
            var secret = key.ExportParameters(includePrivateParameters: true).D!;
            Assert.All(new[] { passkey.Data.PublicKey, passkey.Data.AttestationObject, passkey.Data.ClientDataJson },
                field => Assert.True(field.AsSpan().IndexOf(secret) < 0));
        }

        // Signed out, the passkey alone signs in: no email, no password, no second step.
        await SignOutAsync(page);
        await SignInWithPasskeyAsync(page, expectSuccess: true);
        Assert.EndsWith("/app/inbox", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(200, (await page.GotoAsync("/app/security"))!.Status);

        using var api = workspace.Client();
        var entries = await ActivityLogTests.AllEntriesAsync(api);
        var added = Assert.Single(entries, e => e.Str("activity_type") == "admin_passkey_added");
        Assert.Equal("Test laptop", added.GetProperty("metadata").Str("passkey_name"));
        Assert.Equal(1, added.GetProperty("metadata").GetProperty("passkeys_after").GetInt32());
        Assert.Single(entries, e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("metadata").Str("sign_in_method") == "passkey");
        Assert.Single(entries, e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("metadata").Str("sign_in_method") == "password");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RemovedPasskey_NoLongerSignsIn(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        var authenticator = await VirtualAuthenticator.AttachAsync(page);

        await SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await AddPasskeyAsync(page, "Old phone");
        await page.ClickAsync("#passkeys button:has-text('Remove')");
        await Assertions.Expect(page.Locator("p.notice")).ToContainTextAsync("removed");
        await Assertions.Expect(page.Locator("#no-passkeys")).ToBeVisibleAsync();
        Assert.Empty(await StoredPasskeysAsync(server, workspace.OwnerEmail));

        // The browser still holds the credential; the server no longer knows it.
        Assert.Single(await authenticator.CredentialsAsync());
        await SignOutAsync(page);
        await SignInWithPasskeyAsync(page, expectSuccess: false);

        using var api = workspace.Client();
        var entries = await ActivityLogTests.AllEntriesAsync(api);
        var removed = Assert.Single(entries, e => e.Str("activity_type") == "admin_passkey_removed");
        Assert.Equal(0, removed.GetProperty("metadata").GetProperty("passkeys_after").GetInt32());
        Assert.DoesNotContain(entries, e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("metadata").Str("sign_in_method") == "passkey");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PasskeyOfOneAccount_CannotSignInAsAnother(string provider)
    {
        var server = await servers.GetAsync(provider);
        var alice = await server.CreateWorkspaceAsync(Region.Eu, "Alice's");
        var bob = await server.CreateWorkspaceAsync(Region.Eu, "Bob's");
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var alicePage = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(alicePage);
        var bobPage = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(bobPage);
        foreach (var (page, workspace) in new[] { (alicePage, alice), (bobPage, bob) })
        {
            await SignInWithPasswordAsync(page, workspace.OwnerEmail);
            await AddPasskeyAsync(page, "Laptop");
            await SignOutAsync(page);
        }

        // Alice's authenticator signs in Alice: her workspace logs it, Bob's does not.
        await SignInWithPasskeyAsync(alicePage, expectSuccess: true);
        await SignOutAsync(alicePage);
        using var aliceApi = alice.Client();
        using var bobApi = bob.Client();
        Assert.Single(await PasskeySignInsAsync(aliceApi));
        Assert.Empty(await PasskeySignInsAsync(bobApi));

        // Alice's credential presented with Bob's user handle (a forged answer) is refused.
        string bobAccountId;
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            bobAccountId = await db.Users.Where(u => u.Email == bob.OwnerEmail).Select(u => u.Id).SingleAsync();
        }

        await alicePage.RouteAsync("**/app/login?handler=Passkey", async route =>
        {
            var form = System.Web.HttpUtility.ParseQueryString(route.Request.PostData!);
            var credential = JsonNode.Parse(form["CredentialJson"]!)!;
            credential["response"]!["userHandle"] = Base64Url(Encoding.UTF8.GetBytes(bobAccountId));
            form["CredentialJson"] = credential.ToJsonString();
            await route.ContinueAsync(new() { PostData = Encoding.UTF8.GetBytes(form.ToString()!) });
        });
        await SignInWithPasskeyAsync(alicePage, expectSuccess: false);
        Assert.Empty(await PasskeySignInsAsync(bobApi));
        Assert.Single(await ActivityLogTests.AllEntriesAsync(aliceApi),
            e => e.Str("activity_type") == "admin_login_failure" && e.GetProperty("metadata").Str("reason") == "passkey_refused");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task LockedOutAccount_IsRefusedAPasskeySignIn(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(page);
        await SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await AddPasskeyAsync(page, "Laptop");
        await SignOutAsync(page);

        // Five wrong passwords lock the account; the passkey does not get around the lock.
        using var guesser = server.Browser(Region.Eu, new CookieContainer());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await guesser.PostPasswordAsync(workspace.OwnerEmail, "wrong-password-" + i)).StatusCode);
        }

        await SignInWithPasskeyAsync(page, expectSuccess: false);
        using var api = workspace.Client();
        Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_login_failure"
            && e.GetProperty("metadata").Str("sign_in_method") == "passkey" && e.GetProperty("metadata").Str("reason") == "locked_out");
        Assert.Empty(await PasskeySignInsAsync(api));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RequiredTwoFactor_IsSatisfiedByAPasskey_AndAgainRequiredWithoutOne(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        await (await api.PutAsJsonAsync("confide/security_settings", new { two_factor_required = "everyone" })).JsonAsync();
        await (await api.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "two_factor_required");

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(page);
        await SignInWithPasswordAsync(page, workspace.OwnerEmail, landsOn: "/app/security");
        await Assertions.Expect(page.Locator("p.error").First).ToContainTextAsync("requires two-factor sign-in");

        // Enrolling a passkey (no authenticator app) lifts the block, in the web app and the API.
        await AddPasskeyAsync(page, "Security key");
        Assert.Equal(200, (await page.GotoAsync("/app/inbox"))!.Status);
        Assert.EndsWith("/app/inbox", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await (await api.GetAsync("contacts")).JsonAsync();

        // A passkey-only teammate signs in with it and works in the workspace.
        await SignOutAsync(page);
        await SignInWithPasskeyAsync(page, expectSuccess: true);
        Assert.EndsWith("/app/inbox", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);

        // Removing the last strong factor puts the policy back in force.
        await page.GotoAsync("/app/security");
        await page.ClickAsync("#passkeys button:has-text('Remove')");
        await Assertions.Expect(page.Locator("p.notice")).ToContainTextAsync("removed");
        await page.GotoAsync("/app/inbox");
        Assert.EndsWith("/app/security", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await (await api.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "two_factor_required");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PasskeySignIn_IsCompleteWithoutTheAuthenticatorAppStep(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(page);
        await SignInWithPasswordAsync(page, workspace.OwnerEmail);

        // Two-factor sign-in with an authenticator app is on as well.
        await page.GotoAsync("/app/security");
        await page.ClickAsync("button:has-text('Set up an authenticator app')");
        var key = Confide.Identity.TwoFactor.Base32.Decode(await page.Locator("#shared-key").InnerTextAsync());
        var code = Confide.Identity.TwoFactor.Totp.Code(key, Confide.Identity.TwoFactor.Totp.StepAt(DateTimeOffset.UtcNow));
        await page.FillAsync("#Code", code.ToString("D6", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("button:has-text('Turn on two-factor sign-in')");
        await Assertions.Expect(page.Locator("#two-factor-state")).ToHaveTextAsync("on");
        await AddPasskeyAsync(page, "Laptop");
        await SignOutAsync(page);

        // The password now leads to the code step; the passkey straight into the app.
        await SignInWithPasswordAsync(page, workspace.OwnerEmail, landsOn: "/app/login/two-factor");
        await SignInWithPasskeyAsync(page, expectSuccess: true);
        Assert.EndsWith("/app/inbox", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
    }

    /// <summary>The origin check Identity is configured with: the regional endpoint the request came to, nothing else.</summary>
    [Fact]
    public async Task PasskeyOrigin_MustBeTheRegionalEndpointOfTheRequest()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Confide.Data.CurrentCell>().Resolve(server.Cell(Region.Eu));
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Scheme = "https";
        http.Request.Host = new Microsoft.AspNetCore.Http.HostString("localhost", server.Ports[Region.Eu]);
        var validate = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<IdentityPasskeyOptions>>().Value.ValidateOrigin!;

        Task<bool> Accepts(string origin, bool crossOrigin = false) =>
            validate(new PasskeyOriginValidationContext { HttpContext = http, Origin = origin, CrossOrigin = crossOrigin }).AsTask();

        Assert.True(await Accepts($"https://localhost:{server.Ports[Region.Eu]}"));
        // Another region's endpoint is the same RP id (localhost) but another origin.
        Assert.False(await Accepts($"https://localhost:{server.Ports[Region.Us]}"));
        Assert.False(await Accepts($"http://localhost:{server.Ports[Region.Eu]}"));
        Assert.False(await Accepts("https://evil.example"));
        Assert.False(await Accepts($"https://localhost:{server.Ports[Region.Eu]}", crossOrigin: true));
        Assert.False(await Accepts(""));
    }

    internal static async Task SignInWithPasswordAsync(IPage page, string email, string landsOn = "/app/inbox", string password = TeammateBrowser.OwnerPassword)
    {
        for (var attempt = 1; ; attempt++)
        {
            await page.GotoAsync("/app/login");
            await page.FillAsync("#Email", email);
            await page.FillAsync("#Password", password);
            await page.ClickAsync("form:has(#Password) button[type=submit]");
            // Reaching the page is what counts (see BrowserWaits for why this polls).
            if (await page.ReachesPathAsync(landsOn))
            {
                return;
            }

            // A press lost on a loaded machine leaves the untouched form; anything else is a finding.
            var text = await page.InnerTextAsync("body");
            if (attempt < 2 && new Uri(page.Url).AbsolutePath == "/app/login" && await page.Locator("p.error:visible").CountAsync() == 0)
            {
                continue;
            }

            throw new Xunit.Sdk.XunitException($"Password sign-in did not reach {landsOn}; the browser is at {new Uri(page.Url).AbsolutePath} showing: {text[..Math.Min(text.Length, 400)]}");
        }
    }

    /// <summary>Adds a passkey on the security page; fails with what the page or the script said otherwise.</summary>
    internal static async Task AddPasskeyAsync(IPage page, string name)
    {
        // A fresh page: no notice of an earlier change can be mistaken for this one's.
        await page.GotoAsync("/app/security");
        await page.FillAsync("#PasskeyName", name);
        await page.ClickAsync("#add-passkey");
        var outcome = page.Locator("p.notice, [data-passkey-error]:visible, p.error:has-text('could not be added')").First;
        await outcome.WaitForAsync();
        Assert.Contains($"Passkey \"{name}\" added", await outcome.InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>Presses "Sign in with a passkey" on the login page: success lands in the app; failure stays on the login page with a message.</summary>
    internal static async Task SignInWithPasskeyAsync(IPage page, bool expectSuccess)
    {
        if (new Uri(page.Url).AbsolutePath != "/app/login")
        {
            await page.GotoAsync("/app/login");
        }

        await page.ClickAsync("#passkey-sign-in");
        var outcome = page.Locator("nav.sections, #passkey-error, [data-passkey-error]:visible").First;
        await outcome.WaitForAsync();
        var text = await outcome.InnerTextAsync();
        if (expectSuccess)
        {
            Assert.True(await page.Locator("nav.sections").IsVisibleAsync(), $"Passkey sign-in failed: {text}");
        }
        else
        {
            Assert.Contains("That passkey was not accepted", text, StringComparison.Ordinal);
            Assert.Equal("/app/login", new Uri(page.Url).AbsolutePath);
        }
    }

    internal static async Task SignOutAsync(IPage page)
    {
        // The page may still be settling after the previous step's redirect; a press that lands
        // mid-navigation is lost, so wait for the page first and press once more if it was.
        await page.SettledAsync();
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync("button:has-text('Sign out')");
            // As for sign-in: reaching the page counts, not its load event.
            if (await page.ReachesPathAsync("/app/login", 15_000))
            {
                return;
            }

            if (attempt < 2 && await page.Locator("button:has-text('Sign out')").IsVisibleAsync())
            {
                continue;
            }

            var content = await page.InnerTextAsync("body");
            throw new Xunit.Sdk.XunitException($"Signing out did not reach the login page; the browser is at {new Uri(page.Url).AbsolutePath} showing: {content[..Math.Min(content.Length, 400)]}");
        }
    }

    private static async Task<List<IdentityUserPasskey<string>>> StoredPasskeysAsync(TestServer server, string email)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var accountId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        return await db.Set<IdentityUserPasskey<string>>().Where(p => p.UserId == accountId).ToListAsync();
    }

    private static async Task<List<JsonElement>> PasskeySignInsAsync(HttpClient api) =>
        [.. (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("metadata").Str("sign_in_method") == "passkey")];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
