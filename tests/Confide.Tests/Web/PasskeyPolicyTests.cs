using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Confide.Tests.Web;

/// <summary>
/// Passkeys and the workspace policies, in headless Chromium with a virtual authenticator: the
/// break-glass owner's way in while SSO is required, and step-up re-authentication with a passkey.
/// </summary>
public sealed class PasskeyPolicyTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WhileSsoIsRequired_OnlyTheBreakGlassOwnersPasskey_GetsIn(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var admin = await (await api.PostJsonAsync("confide/teammates", new { email = $"admin-{Guid.NewGuid():N}@example.com", role = "admin" })).JsonAsync();
        var adminEmail = (await (await api.GetAsync($"admins/{admin.Str("id")}")).JsonAsync()).Str("email");

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var ownerPage = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(ownerPage);
        var adminPage = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(adminPage);
        await PasskeyTests.SignInWithPasswordAsync(ownerPage, workspace.OwnerEmail);
        await PasskeyTests.AddPasskeyAsync(ownerPage, "Owner's key");
        await PasskeyTests.SignOutAsync(ownerPage);
        await PasskeyTests.SignInWithPasswordAsync(adminPage, adminEmail, password: await server.JoinByInvitationAsync(Region.Eu, adminEmail));
        await PasskeyTests.AddPasskeyAsync(adminPage, "Admin's key");
        await PasskeyTests.SignOutAsync(adminPage);

        await RequireSsoTests.AddConnectionAsync(server, workspace.Id);
        await (await api.PutAsJsonAsync("confide/security_settings", new { require_sso = true, break_glass_teammate_id = workspace.OwnerId })).JsonAsync();

        // The owner's password is refused; their passkey gets them in.
        await ownerPage.GotoAsync("/app/login");
        await ownerPage.FillAsync("#Email", workspace.OwnerEmail);
        await ownerPage.FillAsync("#Password", TeammateBrowser.OwnerPassword);
        await ownerPage.ClickAsync("form:has(#Password) button[type=submit]");
        await Assertions.Expect(ownerPage.Locator("p.error").First).ToContainTextAsync("requires single sign-on");
        await PasskeyTests.SignInWithPasskeyAsync(ownerPage, expectSuccess: true);
        Assert.Equal(200, (await ownerPage.GotoAsync($"/app/inbox?workspace={workspace.Id}"))!.Status);

        // Another teammate's passkey is no way around SSO.
        await adminPage.GotoAsync("/app/login");
        await adminPage.ClickAsync("#passkey-sign-in");
        await Assertions.Expect(adminPage.Locator("#passkey-error")).ToContainTextAsync("requires single sign-on");
        Assert.Equal("/app/login", new Uri(adminPage.Url).AbsolutePath);

        var failures = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "admin_login_failure" && e.GetProperty("metadata").Str("reason") == "sso_required").ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, e => e.GetProperty("metadata").Str("sign_in_method") == "passkey");
    }

    [Fact]
    public async Task StepUp_WithAPasskey_RenewsTheSession()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await VirtualAuthenticator.AttachAsync(page);
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await PasskeyTests.AddPasskeyAsync(page, "Laptop");

        // Later, saving the workspace's settings sends the owner to confirm: with the passkey, not the password.
        clock.Advance(TimeSpan.FromMinutes(6));
        await page.GotoAsync($"/app/settings/security?workspace={workspace.Id}");
        await page.ClickAsync("form button[type=submit]:has-text('Save')");
        await page.WaitForPathAsync("/app/reauthenticate");
        // The page is there once its passkey button is; only then does "no password field" mean anything.
        await Assertions.Expect(page.Locator("#reauthenticate-with-passkey")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("input[type=password]").CountAsync());
        await page.ClickAsync("#reauthenticate-with-passkey");
        await page.WaitForPathAsync("/app/settings/security");
        await page.ClickAsync("form button[type=submit]:has-text('Save')");
        await Assertions.Expect(page.Locator("p.notice")).ToContainTextAsync("Saved.");

        using var api = workspace.Client();
        var renewal = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_reauthentication");
        Assert.Equal("passkey", renewal.GetProperty("metadata").Str("method"));
        Assert.True(renewal.GetProperty("metadata").GetProperty("succeeded").GetBoolean());
    }
}
