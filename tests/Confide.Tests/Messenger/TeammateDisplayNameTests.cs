using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Identity;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Messenger;

/// <summary>
/// Teammates are shown by the display name they chose, in the messenger and the inbox: never by
/// their email's local part (an owner created as owner@… used to reply as "owner") nor their role.
/// </summary>
public sealed class TeammateDisplayNameTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheMessenger_ShowsTheDisplayNameSetOnTheProfilePage_AndANeutralWordWithoutOne(string provider)
    {
        var server = await servers.GetAsync(provider);
        var email = $"owner@{Guid.NewGuid():N}.example.com";
        WorkspaceBootstrapper.Result created;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            created = await scope.ServiceProvider.GetRequiredService<WorkspaceBootstrapper>().CreateAsync(
                server.Cell(Region.Eu), new("Shop", email, OwnerName: null, TeammateBrowser.OwnerPassword), CancellationToken.None);
        }

        using var api = server.Client(Region.Eu, created.AccessToken);
        using var visitor = new MessengerVisitor(server, Region.Eu, created.WorkspaceId);
        await visitor.BootOkAsync();
        var conversationId = await visitor.StartAsync("Where is my parcel?");
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = created.OwnerId, body = "On its way." })).JsonAsync();
        Assert.Equal("Support", await AuthorOfReplyAsync(visitor, conversationId));

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(email)).StatusCode);
        var refused = await ChangeNameAsync(browser, created.WorkspaceId, "Ada\u202EecilA");
        Assert.Contains("without control or formatting characters", refused, StringComparison.Ordinal);
        Assert.Contains("without control or formatting characters", await ChangeNameAsync(browser, created.WorkspaceId, new string('a', 65)), StringComparison.Ordinal);
        Assert.Equal("Support", await AuthorOfReplyAsync(visitor, conversationId));

        Assert.Contains("Your display name was changed.", await ChangeNameAsync(browser, created.WorkspaceId, "  Ada Lovelace "), StringComparison.Ordinal);
        Assert.Equal("Ada Lovelace", await AuthorOfReplyAsync(visitor, conversationId));
        Assert.Contains("Ada Lovelace", await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={created.WorkspaceId}"), StringComparison.Ordinal);
        Assert.Equal("Ada Lovelace", (await (await api.GetAsync("me")).JsonAsync()).Str("name"));
        Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_name_change");

        // A workspace that requires two-factor sign-in takes no change from a session without a second factor.
        await (await api.PutAsJsonAsync("confide/security_settings", new { two_factor_required = "everyone" })).JsonAsync();
        Assert.Contains("requires two-factor sign-in", await ChangeNameAsync(browser, created.WorkspaceId, "Someone Else"), StringComparison.Ordinal);
        Assert.Equal("Ada Lovelace", await AuthorOfReplyAsync(visitor, conversationId));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ANameGivenWhenAdding_IsValidated(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        foreach (var bad in (string[])["Line\nbreak", "Bell\u0007", "Over\u202Eride", new string('n', 65)])
        {
            await (await api.PostJsonAsync("confide/teammates", new { email = $"n-{Guid.NewGuid():N}@example.com", name = bad, role = "agent" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        var added = await (await api.PostJsonAsync("confide/teammates", new { email = $"n-{Guid.NewGuid():N}@example.com", name = " Grace Hopper ", role = "agent" })).JsonAsync();
        Assert.Equal("Grace Hopper", (await (await api.GetAsync($"admins/{added.Str("id")}")).JsonAsync()).Str("name"));
    }

    [Fact]
    public void DisplayNames_RefuseControlAndOverrideCharacters_AndKeepJoiners()
    {
        Assert.True(TeammateDisplayNames.TryParse("  ", out var none));
        Assert.Null(none);
        Assert.True(TeammateDisplayNames.TryParse("می\u200Cخواهم", out var persian));
        Assert.Equal("می\u200Cخواهم", persian);
        Assert.True(TeammateDisplayNames.TryParse("José Ñúñez 👩‍💻", out _));
        Assert.True(TeammateDisplayNames.TryParse(new string('x', 64), out _));
        foreach (var bad in (string[])["a\tb", "a\u0000b", "a\u2028b", "a\u202Eb", "a\u2066b", "a\uE000b", new string('x', 65)])
        {
            Assert.False(TeammateDisplayNames.TryParse(bad, out _), bad);
        }
    }

    private static async Task<string> AuthorOfReplyAsync(MessengerVisitor visitor, string conversationId)
    {
        var thread = await (await visitor.GetAsync($"conversations/{conversationId}")).JsonAsync();
        return thread.GetProperty("messages").EnumerateArray().Single(m => m.Str("kind") == "admin").Str("author_name");
    }

    private static async Task<string> ChangeNameAsync(HttpClient browser, string workspaceId, string name)
    {
        var page = await browser.HtmlAsync($"app/security?workspace={workspaceId}");
        var response = await browser.PostAsync($"app/security?handler=DisplayName&workspace={workspaceId}", TeammateBrowser.Form(page, new() { ["DisplayName"] = name }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
