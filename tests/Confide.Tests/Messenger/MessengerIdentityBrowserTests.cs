using System.Net.Http.Json;
using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Confide.Tests.Messenger;

/// <summary>
/// Identity verification as an end user meets it, in headless Chromium on a customer's page: a
/// valid token shows the user their history; a forged, expired, missing or other user's token
/// shows nothing of the victim's and cannot post as them.
/// </summary>
public sealed class MessengerIdentityBrowserTests(Servers servers)
{
    private const string VictimId = "user-42";
    private const string VictimHistory = "My order 1234 has not arrived";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task OnlyAValidTokenForTheUser_ShowsTheirHistory(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await using var website = await CompanyWebsite.StartAsync();
        using var api = workspace.Client();
        var secret = (await (await api.PostJsonAsync("confide/messenger_secrets", new { })).JsonAsync()).Str("secret");
        await (await api.PutAsJsonAsync("confide/messenger_settings", new { identity_verification_enforced = true, allowed_origins = new[] { website.OriginText } })).JsonAsync();
        var victim = (await (await api.PostJsonAsync("contacts", new { external_id = VictimId, email = "victim@example.com" })).JsonAsync()).Str("id");
        var conversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = victim }, body = VictimHistory })).JsonAsync()).Str("conversation_id");
        var now = DateTimeOffset.UtcNow;
        await using var chromium = await HeadlessChromium.LaunchAsync();

        // The user, with a token their company's back end just signed, sees their history.
        var valid = IdentityTokens.Hs256(secret, IdentityTokens.Claims(workspace.Id, VictimId, now, TimeSpan.FromMinutes(5), "victim@example.com"));
        var user = await OpenAsync(chromium, website, server, workspace, new { user_id = VictimId, user_jwt = valid });
        await Assertions.Expect(user.Locator("#messenger")).ToHaveAttributeAsync("data-identity", "user");
        await user.Locator($"[data-conversation-id='{conversation}']").ClickAsync();
        await Assertions.Expect(user.Locator(".message.user .body")).ToHaveTextAsync(VictimHistory);

        var attempts = new (string What, object Identity)[]
        {
            ("forged", new { user_id = VictimId, user_jwt = IdentityTokens.Hs256("not-the-secret", IdentityTokens.Claims(workspace.Id, VictimId, now, TimeSpan.FromMinutes(5))) }),
            ("expired", new { user_id = VictimId, user_jwt = IdentityTokens.Hs256(secret, IdentityTokens.Claims(workspace.Id, VictimId, now.AddMinutes(-30), TimeSpan.FromMinutes(5))) }),
            ("missing", new { user_id = VictimId, email = "victim@example.com" }),
            ("hash of another user", new { user_id = VictimId, user_hash = UserHash.Compute(secret, "user-7") }),
        };
        foreach (var (what, identity) in attempts)
        {
            var attacker = await OpenAsync(chromium, website, server, workspace, identity);
            await Assertions.Expect(attacker.Locator("#messenger")).ToHaveAttributeAsync("data-state", "refused");
            await Assertions.Expect(attacker.Locator("body")).Not.ToContainTextAsync(VictimHistory);
            await Assertions.Expect(attacker.Locator("textarea")).ToHaveCountAsync(0);
            Assert.True(await attacker.Locator("[data-conversation-id]").CountAsync() == 0, what);
        }

        // Another user's valid token opens that user's (empty) messenger: what they write is theirs.
        var other = IdentityTokens.Hs256(secret, IdentityTokens.Claims(workspace.Id, "user-7", now, TimeSpan.FromMinutes(5)));
        var otherUser = await OpenAsync(chromium, website, server, workspace, new { user_id = "user-7", user_jwt = other });
        await Assertions.Expect(otherUser.Locator("#messenger")).ToHaveAttributeAsync("data-identity", "user");
        await Assertions.Expect(otherUser.Locator("[data-conversation-id]")).ToHaveCountAsync(0);
        await otherUser.Locator("#new-conversation").ClickAsync();
        await MessengerBrowserTests.SendAsync(otherUser, "Written by user-7");
        await Assertions.Expect(otherUser.Locator(".message.user .body")).ToHaveTextAsync("Written by user-7");

        var victimThread = await (await api.GetAsync($"conversations/{conversation}")).JsonAsync();
        Assert.Equal(0, victimThread.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
        var search = await (await api.PostJsonAsync("contacts/search", new { query = new { field = "external_id", @operator = "=", value = "user-7" } })).JsonAsync();
        Assert.Equal("user", search.GetProperty("data")[0].Str("role"));
        Assert.NotEqual(victim, search.GetProperty("data")[0].Str("id"));
    }

    private static async Task<IFrameLocator> OpenAsync(HeadlessChromium chromium, CompanyWebsite website, TestServer server, TestWorkspace workspace, object identity)
    {
        var page = await chromium.NewPageAsync(website.Origin);
        await page.GotoAsync(website.AddPage(server.BaseUrl(Region.Eu), workspace.Id, identity).ToString());
        return await MessengerBrowserTests.OpenWidgetAsync(page);
    }
}
