using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Confide.Server.Hosting;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Web;

/// <summary>/app/settings/messenger: the install snippet, the API's settings and secrets commands and checks, step-up, and security.manage.</summary>
public sealed partial class MessengerSettingsPageTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Owners_SeeTheSnippet_AndSaveTheSettings_WithTheApisChecks(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = await SignedInAsync(server, workspace.OwnerEmail);
        using var api = workspace.Client();
        var path = $"app/settings/messenger?workspace={workspace.Id}";

        var page = await browser.HtmlAsync(path);
        var regionUrl = server.Services.GetRequiredService<RegionalEndpoints>().PublicUrl(Region.Eu);
        Assert.Contains($"&lt;script src=&quot;{regionUrl}/messenger/widget.js&quot; data-app-id=&quot;{workspace.Id}&quot; defer&gt;&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\">Messenger</a>", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"/app/settings/messenger?workspace={workspace.Id}\"", await browser.HtmlAsync($"app/settings/security?workspace={workspace.Id}"), StringComparison.Ordinal);
        var defaults = await SettingsAsync(api);

        // An invalid origin is refused next to its field, and nothing is stored.
        var refused = await PostSettingsAsync(browser, path, page, "https://www.example.com\nftp://files.example.com", enforced: true, lifetime: "600");
        Assert.Contains("id=\"origins-error\"", refused, StringComparison.Ordinal);
        Assert.Contains("is not an origin", refused, StringComparison.Ordinal);
        Assert.Equal(defaults.GetRawText(), (await SettingsAsync(api)).GetRawText());

        var saved = await PostSettingsAsync(browser, path, refused, "https://www.example.com\n  https://Shop.Example.com:443/  \n", enforced: true, lifetime: "600");
        Assert.Contains("Saved.", saved, StringComparison.Ordinal);
        Assert.Contains("https://shop.example.com", saved, StringComparison.Ordinal);
        var settings = await SettingsAsync(api);
        Assert.Equal(["https://www.example.com", "https://shop.example.com"], settings.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));
        Assert.True(settings.GetProperty("identity_verification_enforced").GetBoolean());
        Assert.Equal(600, settings.GetProperty("jwt_max_lifetime_seconds").GetInt32());

        var change = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "app_identity_verification_change");
        Assert.Equal("web", change.Str("performed_via"));

        // A key set that is not JSON is refused next to its field too.
        var badKeys = await PostSettingsAsync(browser, path, saved, "https://www.example.com", enforced: false, lifetime: "600", jwks: "{not json");
        Assert.Contains("id=\"jwks-error\"", badKeys, StringComparison.Ordinal);
        Assert.True((await SettingsAsync(api)).GetProperty("identity_verification_enforced").GetBoolean());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ASecret_IsShownOnce_VerifiesAUserHash_AndRotatesTwoAtMost(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = await SignedInAsync(server, workspace.OwnerEmail);
        using var api = workspace.Client();
        var path = $"app/settings/messenger?workspace={workspace.Id}";
        var page = await browser.HtmlAsync(path);
        Assert.Contains("No secrets yet.", page, StringComparison.Ordinal);

        var created = await PostHandlerAsync(browser, path, "CreateSecret", page, []);
        Assert.Contains("it will not be shown again", created, StringComparison.Ordinal);
        var first = NewSecret(created);
        Assert.DoesNotContain(first, await browser.HtmlAsync(path), StringComparison.Ordinal);
        Assert.Equal("user", await BootIdentityAsync(server, workspace, first));

        var second = NewSecret(await PostHandlerAsync(browser, path, "CreateSecret", page, []));
        var third = await PostHandlerAsync(browser, path, "CreateSecret", page, []);
        Assert.Contains("already has 2 active messenger secrets", third, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"new-secret\"", third, StringComparison.Ordinal);

        // Retiring the first leaves only the second verifying.
        var firstId = (await (await api.GetAsync("confide/messenger_secrets")).JsonAsync()).GetProperty("data")[1].Str("id");
        var retired = await PostHandlerAsync(browser, path, "RetireSecret", page, new() { ["id"] = firstId });
        Assert.Contains("The secret was retired", retired, StringComparison.Ordinal);
        Assert.Single(RetireButton().Matches(retired));
        Assert.NotEqual("user", await BootIdentityAsync(server, workspace, first));
        Assert.Equal("user", await BootIdentityAsync(server, workspace, second));

        var entries = await ActivityLogTests.AllEntriesAsync(api);
        Assert.Equal(2, entries.Count(e => e.Str("activity_type") == "messenger_api_secret_creation" && e.Str("performed_via") == "web"));
        Assert.Single(entries, e => e.Str("activity_type") == "messenger_api_secret_deletion" && e.Str("performed_via") == "web");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Changes_NeedAFreshAuthentication_AndAgentsCannotSeeThePage(string provider)
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = await SignedInAsync(server, workspace.OwnerEmail);
        using var api = workspace.Client();
        var path = $"app/settings/messenger?workspace={workspace.Id}";

        clock.Advance(TimeSpan.FromMinutes(6));
        var page = await browser.HtmlAsync(path);
        foreach (var handler in new[] { "", "CreateSecret", "RetireSecret" })
        {
            var target = handler.Length == 0 ? path : $"{path}&handler={handler}";
            var stale = await browser.PostAsync(target, TeammateBrowser.Form(page, new() { ["AllowedOrigins"] = "https://www.example.com", ["id"] = "x" }));
            Assert.Equal(HttpStatusCode.Redirect, stale.StatusCode);
            Assert.StartsWith("/app/reauthenticate", stale.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        Assert.Empty((await SettingsAsync(api)).GetProperty("allowed_origins").EnumerateArray());
        Assert.Empty((await (await api.GetAsync("confide/messenger_secrets")).JsonAsync()).GetProperty("data").EnumerateArray());

        // An agent's role does not hold security.manage.
        var agent = await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        var agentEmail = (await (await api.GetAsync($"admins/{agent.Str("id")}")).JsonAsync()).Str("email");
        using var agentBrowser = await SignedInAsync(server, agentEmail, await server.JoinByInvitationAsync(Region.Eu, agentEmail));
        Assert.Equal(HttpStatusCode.Forbidden, (await agentBrowser.GetAsync(path)).StatusCode);
        var posted = await agentBrowser.PostAsync(path + "&handler=CreateSecret", TeammateBrowser.Form(await agentBrowser.HtmlAsync("app/inbox"), []));
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
        Assert.Empty((await (await api.GetAsync("confide/messenger_secrets")).JsonAsync()).GetProperty("data").EnumerateArray());
    }

    private static async Task<HttpClient> SignedInAsync(TestServer server, string email, string password = TeammateBrowser.OwnerPassword)
    {
        var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(email, password)).StatusCode);
        return browser;
    }

    private static async Task<JsonElement> SettingsAsync(HttpClient api) => await (await api.GetAsync("confide/messenger_settings")).JsonAsync();

    private static Task<string> PostSettingsAsync(HttpClient browser, string path, string page, string origins, bool enforced, string lifetime, string jwks = "") =>
        PostHandlerAsync(browser, path, null, page, new()
        {
            ["AllowedOrigins"] = origins,
            ["IdentityVerificationEnforced"] = enforced ? "true" : "false",
            ["JwtMaxLifetimeSeconds"] = lifetime,
            ["Jwks"] = jwks,
        });

    private static async Task<string> PostHandlerAsync(HttpClient browser, string path, string? handler, string page, Dictionary<string, string> fields)
    {
        var response = await browser.PostAsync(handler is null ? path : $"{path}&handler={handler}", TeammateBrowser.Form(page, fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static string NewSecret(string html) => Assert.Single(NewSecretPattern().Matches(html)).Groups[1].Value;

    /// <summary>What the messenger's boot makes of user "u1" proven with a hash keyed by <paramref name="secret"/>.</summary>
    private static async Task<string> BootIdentityAsync(TestServer server, TestWorkspace workspace, string secret)
    {
        using var visitor = new MessengerVisitor(server, workspace.Region, workspace.Id);
        var response = await visitor.BootAsync(new { user_id = "u1", user_hash = UserHash.Compute(secret, "u1") });
        return response.IsSuccessStatusCode ? (await response.JsonAsync()).Str("identity") : $"refused {(int)response.StatusCode}";
    }

    [GeneratedRegex("id=\"new-secret\">([^<]+)<")]
    private static partial Regex NewSecretPattern();

    [GeneratedRegex(">Retire</button>")]
    private static partial Regex RetireButton();
}
