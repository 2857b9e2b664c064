using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Web;

/// <summary>
/// Two-factor sign-in with an authenticator app, the codes computed by oathtool (an independent
/// RFC 6238 implementation): each code and each recovery code works once, and the stored
/// secrets are not readable in the database.
/// </summary>
public sealed partial class TwoFactorTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Authenticator_CodesFromOathtool_SignIn_AndWorkOnlyOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        Assert.Equal("/app/inbox", await PasswordAsync(browser, workspace.OwnerEmail));

        // Enrol: a key for the app, confirmed with the app's first code.
        var security = await HtmlAsync(browser, "app/security");
        var setup = await PostFormAsync(browser, "app/security?handler=Setup", security, []);
        var key = SharedKey().Match(setup).Groups[1].Value;
        Assert.Matches("^[A-Z2-7]{32}$", key);
        var firstCode = await OathtoolAsync(key, DateTimeOffset.UtcNow);
        var enabled = await PostFormAsync(browser, "app/security?handler=Enable", setup, new() { ["Code"] = firstCode });
        Assert.Contains("Two-factor sign-in is on", enabled, StringComparison.Ordinal);
        var recoveryCodes = RecoveryCode().Matches(enabled).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(10, recoveryCodes.Count);

        // The secrets are stored wrapped or hashed: neither the key nor a recovery code is in the database.
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var stored = string.Join("\n", await db.UserTokens.Select(t => t.Value).ToListAsync());
            Assert.DoesNotContain(key, stored, StringComparison.Ordinal);
            Assert.All(recoveryCodes, code => Assert.DoesNotContain(code, stored, StringComparison.Ordinal));
        }

        // Now the password alone is not enough, and the code used to enrol cannot be used again.
        await SignOutAsync(browser, enabled);
        Assert.StartsWith("/app/login/two-factor", await PasswordAsync(browser, workspace.OwnerEmail), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await HtmlOrRedirectAsync(browser, "app/inbox")).StatusCode);
        Assert.Contains("not valid, was already used", await SecondFactorAsync(browser, firstCode, recovery: false, expectSuccess: false), StringComparison.Ordinal);

        var nextCode = await OathtoolAsync(key, DateTimeOffset.UtcNow.AddSeconds(30));
        await SecondFactorAsync(browser, nextCode, recovery: false, expectSuccess: true);
        Assert.Equal(HttpStatusCode.OK, (await HtmlOrRedirectAsync(browser, "app/inbox")).StatusCode);

        // Replaying that code in a new sign-in fails; a recovery code works once.
        await SignOutAsync(browser, await HtmlAsync(browser, "app/inbox"));
        await PasswordAsync(browser, workspace.OwnerEmail);
        await SecondFactorAsync(browser, nextCode, recovery: false, expectSuccess: false);
        await SecondFactorAsync(browser, recoveryCodes[0], recovery: true, expectSuccess: true);
        await SignOutAsync(browser, await HtmlAsync(browser, "app/inbox"));
        await PasswordAsync(browser, workspace.OwnerEmail);
        await SecondFactorAsync(browser, recoveryCodes[0], recovery: true, expectSuccess: false);
        await SecondFactorAsync(browser, recoveryCodes[1], recovery: true, expectSuccess: true);
        Assert.Contains("8 recovery codes left", await HtmlAsync(browser, "app/security"), StringComparison.Ordinal);

        // The second step cannot be reached without the password step.
        using var stranger = server.Browser(Region.Eu, new CookieContainer());
        var direct = await stranger.GetAsync("app/login/two-factor");
        Assert.Equal(HttpStatusCode.Redirect, direct.StatusCode);

        using var api = workspace.Client();
        var entries = await ActivityLogTests.AllEntriesAsync(api);
        Assert.Single(entries, e => e.Str("activity_type") == "admin_two_factor_auth_change");
        Assert.Equal(3, entries.Count(e => e.Str("activity_type") == "admin_login_failure" && e.GetProperty("metadata").Str("reason") == "wrong_second_factor"));
        Assert.Equal(3, entries.Count(e => e.Str("activity_type") == "admin_login_success" && e.GetProperty("metadata").TryGetProperty("second_factor", out _)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RequiredTwoFactor_LeavesATeammateWithoutItNothingButEnrolment(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        await (await api.PutAsJsonAsync("confide/security_settings", new { two_factor_required = "sometimes" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var set = await (await api.PutAsJsonAsync("confide/security_settings", new { two_factor_required = "admins" })).JsonAsync();
        Assert.Equal("admins", set.Str("two_factor_required"));

        // The owner has no second factor yet: their token may do nothing.
        await (await api.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "two_factor_required");

        // In the web app every page of the workspace leads to enrolment, and enrolling lifts it.
        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        await PasswordAsync(browser, workspace.OwnerEmail);
        var inbox = await browser.GetAsync("app/inbox");
        Assert.Equal(HttpStatusCode.Redirect, inbox.StatusCode);
        Assert.StartsWith("/app/security", inbox.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("app/activity")).StatusCode);
        var security = await HtmlAsync(browser, inbox.Headers.Location!.OriginalString.TrimStart('/'));
        Assert.Contains("requires two-factor sign-in", security, StringComparison.Ordinal);
        var setup = await PostFormAsync(browser, "app/security?handler=Setup", security, []);
        var key = SharedKey().Match(setup).Groups[1].Value;
        await PostFormAsync(browser, "app/security?handler=Enable", setup, new() { ["Code"] = await OathtoolAsync(key, DateTimeOffset.UtcNow) });
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("app/inbox")).StatusCode);
        await (await api.GetAsync("contacts")).JsonAsync();

        // "admins" spares an agent; "everyone" does not.
        var agent = await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        await workspace.EnsureJoinedAsync(agent.Str("id"));
        await using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(server.Services);
        var tokens = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Confide.Identity.ApiTokenAdministration>(scope.ServiceProvider);
        var agentCaller = new Confide.Identity.ApiCaller(workspace.Id, agent.Str("id"), "") { Role = "agent", Permissions = Confide.Identity.Authorization.BuiltInRoles.PermissionsOf("agent") };
        using var agentApi = server.Client(Region.Eu, (await tokens.CreateAsync(server.Cell(Region.Eu), agentCaller, "agent", null, null, CancellationToken.None)).Secret);
        await (await agentApi.GetAsync("contacts")).JsonAsync();
        await (await api.PutAsJsonAsync("confide/security_settings", new { two_factor_required = "everyone" })).JsonAsync();
        await (await agentApi.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "two_factor_required");

        var changes = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "security_settings_change").ToList();
        Assert.Equal(2, changes.Count);
        Assert.Equal("off", changes[0].GetProperty("metadata").GetProperty("before").Str("two_factor_required"));
        Assert.Equal("everyone", changes[1].GetProperty("metadata").GetProperty("after").Str("two_factor_required"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RequiredTwoFactor_RefusesMe_AsItRefusesContacts(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        Assert.Equal(workspace.OwnerId, (await (await api.GetAsync("me")).JsonAsync()).Str("id"));
        await (await api.PutAsJsonAsync("confide/security_settings", new { two_factor_required = "everyone" })).JsonAsync();

        var contacts = await (await api.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "two_factor_required");
        var me = await (await api.GetAsync("me")).ErrorAsync(HttpStatusCode.Forbidden, "two_factor_required");
        Assert.Equal(contacts.GetProperty("errors").ToString(), me.GetProperty("errors").ToString());
    }

    /// <summary>The code oathtool computes for <paramref name="at"/>.</summary>
    internal static async Task<string> OathtoolAsync(string key, DateTimeOffset at)
    {
        var start = new ProcessStartInfo("oathtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--totp", "-b", "-N", at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), key })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync());
        return output.Trim();
    }

    /// <summary>Posts the password form; returns where it sends the browser.</summary>
    private static async Task<string> PasswordAsync(HttpClient browser, string email)
    {
        var response = await browser.PostPasswordAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    private static async Task<string> SecondFactorAsync(HttpClient browser, string code, bool recovery, bool expectSuccess)
    {
        var form = await HtmlAsync(browser, "app/login/two-factor");
        var fields = new Dictionary<string, string> { ["Code"] = code };
        if (recovery)
        {
            fields["UseRecoveryCode"] = "true";
        }

        var response = await browser.PostAsync("app/login/two-factor", TeammateBrowser.Form(form, fields));
        Assert.Equal(expectSuccess ? HttpStatusCode.Redirect : HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> PostFormAsync(HttpClient browser, string path, string page, Dictionary<string, string> fields)
    {
        var response = await browser.PostAsync(path, TeammateBrowser.Form(page, fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task<string> HtmlAsync(HttpClient browser, string path) => browser.HtmlAsync(path);

    private static Task SignOutAsync(HttpClient browser, string pageWithLayout) => browser.SignOutAsync(pageWithLayout);

    private static Task<HttpResponseMessage> HtmlOrRedirectAsync(HttpClient browser, string path) => browser.GetAsync(path);

    [GeneratedRegex("<code id=\"shared-key\">([A-Z2-7]+)</code>")]
    internal static partial Regex SharedKey();

    [GeneratedRegex("<li><code>([^<]+)</code></li>")]
    private static partial Regex RecoveryCode();
}
