using System.Net;
using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Web;

/// <summary>The workspace's sign-in policy on /app/settings/security: the API's checks, step-up, and the security.manage permission.</summary>
public sealed class WorkspaceSettingsPageTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Owners_ChangeThePolicy_WithStepUp_AgentsCannotSeeIt(string provider)
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var path = $"app/settings/security?workspace={workspace.Id}";

        var page = await browser.HtmlAsync(path);
        Assert.Contains("Configure an SSO connection first", page, StringComparison.Ordinal);
        // (Requiring two-factor sign-in here would send this owner, who has none, off to enrol first.)
        var saved = await PostAsync(browser, path, page, twoFactor: "off", allowlist: "127.0.0.0/8\n::1");
        Assert.Contains("Saved.", saved, StringComparison.Ordinal);
        Assert.Contains("::1/128", saved, StringComparison.Ordinal);

        // The API's checks hold here too: a list that locks the caller out is refused, and nothing changes.
        var refused = await PostAsync(browser, path, saved, twoFactor: "everyone", allowlist: "10.0.0.0/8");
        Assert.Contains("lock yourself out", refused, StringComparison.Ordinal);
        using var api = workspace.Client();
        var settings = await (await api.GetAsync("confide/security_settings")).JsonAsync();
        Assert.Equal("off", settings.Str("two_factor_required"));
        Assert.Equal(["127.0.0.0/8", "::1/128"], settings.GetProperty("ip_allowlist").EnumerateArray().Select(r => r.GetString()));
        var changes = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == "security_settings_change").ToList();
        var change = Assert.Single(changes);
        Assert.Equal("web", change.Str("performed_via"));

        // Later, saving needs a fresh authentication first.
        clock.Advance(TimeSpan.FromMinutes(6));
        var stale = await browser.PostAsync(path, TeammateBrowser.Form(await browser.HtmlAsync(path), new() { ["TwoFactorRequired"] = "off", ["IpAllowlist"] = "" }));
        Assert.Equal(HttpStatusCode.Redirect, stale.StatusCode);
        Assert.StartsWith("/app/reauthenticate", stale.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // An agent's role does not hold security.manage.
        var agent = await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        var agentEmail = (await (await api.GetAsync($"admins/{agent.Str("id")}")).JsonAsync()).Str("email");
        using var agentBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await agentBrowser.PostPasswordAsync(agentEmail, await server.JoinByInvitationAsync(Region.Eu, agentEmail))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agentBrowser.GetAsync(path)).StatusCode);
    }

    private static async Task<string> PostAsync(HttpClient browser, string path, string page, string twoFactor, string allowlist)
    {
        // As the browser posts the form: each checked method is its own field.
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__RequestVerificationToken", TeammateBrowser.AntiforgeryToken(page)),
            new("TwoFactorRequired", twoFactor),
            new("IpAllowlist", allowlist),
            new("BreakGlassTeammateId", ""),
            new("AllowedSignInMethods", "password"),
            new("AllowedSignInMethods", "passkey"),
            new("AllowedSignInMethods", "sso"),
        };
        var response = await browser.PostAsync(path, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
