using System.Net;
using Confide.Platform;
using Confide.Server.Pages.App;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>The web app honours roles like the API: pages declare their permission, and actions inside them check theirs.</summary>
public sealed class WebPermissionTests(Servers servers)
{
    [Fact]
    public void EveryTeammatePage_DeclaresItsPermission()
    {
        var pages = typeof(TeammatePageModel).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(TeammatePageModel)) && !t.IsAbstract).ToList();
        Assert.NotEmpty(pages);
        Assert.All(pages, page => Assert.Single(page.GetCustomAttributes(typeof(PagePermissionAttribute), inherit: false)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AViewer_ReadsTheInbox_ButCannotReplyOrSeeTheActivityLog(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "reader@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello there" })).JsonAsync()).Str("conversation_id");
        var viewer = await (await api.PostJsonAsync("confide/teammates", new { email = $"viewer-{Guid.NewGuid():N}@example.com", role = "viewer" })).JsonAsync();
        var viewerEmail = (await (await api.GetAsync($"admins/{viewer.Str("id")}")).JsonAsync()).Str("email");

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(viewerEmail, await server.JoinByInvitationAsync(Region.Eu, viewerEmail))).StatusCode);

        var thread = await browser.GetAsync($"app/inbox/{conversationId}");
        Assert.Equal(HttpStatusCode.OK, thread.StatusCode);
        var html = await thread.Content.ReadAsStringAsync();
        Assert.Contains("Hello there", html, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Reply", html, StringComparison.OrdinalIgnoreCase);

        // Posting the form anyway changes nothing.
        var reply = await browser.PostAsync($"app/inbox/{conversationId}?handler=Reply&workspace={workspace.Id}", TeammateBrowser.Form(html, new() { ["body"] = "Sneaky reply" }));
        Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
        var conversation = await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Equal(0, conversation.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
        Assert.Contains("cannot reply", await (await browser.GetAsync($"app/inbox/{conversationId}?workspace={workspace.Id}")).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("app/activity")).StatusCode);
    }

    /// <summary>The inbox applies the API's scoping: with conversations.read.team, one's own and one's teams' conversations only.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ATeamReader_Inbox_ListsAndOpensOnlyOwnAndTeamConversations(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var role = (await (await api.PostJsonAsync("confide/roles", new { name = "Team inbox", permissions = new[] { "conversations.read.team", "conversations.reply" } })).JsonAsync()).Str("id");
        var reader = await (await api.PostJsonAsync("confide/teammates", new { email = $"team-{Guid.NewGuid():N}@example.com", role })).JsonAsync();
        var readerEmail = (await (await api.GetAsync($"admins/{reader.Str("id")}")).JsonAsync()).Str("email");
        var team = (await (await api.PostJsonAsync("confide/teams", new { name = "Returns", admin_ids = new[] { reader.Str("id") } })).JsonAsync()).Str("id");
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "returns@example.com" })).JsonAsync()).Str("id");
        async Task<string> StartAsync(string body, string? type, string? assignee)
        {
            var id = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body })).JsonAsync()).Str("conversation_id");
            if (type is not null)
            {
                await (await api.PostJsonAsync($"conversations/{id}/parts", new { message_type = "assignment", type, admin_id = workspace.OwnerId, assignee_id = assignee, body })).JsonAsync();
            }

            return id;
        }

        var own = await StartAsync("Assigned to the reader", "admin", reader.Str("id"));
        var teams = await StartAsync("For the Returns team", "team", team);
        var others = await StartAsync("Assigned to the owner", "admin", workspace.OwnerId);
        var nobodys = await StartAsync("Assigned to nobody", null, null);

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(readerEmail, await server.JoinByInvitationAsync(Region.Eu, readerEmail))).StatusCode);
        var inbox = await browser.HtmlAsync($"app/inbox?state=all&workspace={workspace.Id}");
        Assert.Contains("Assigned to the reader", inbox, StringComparison.Ordinal);
        Assert.Contains("For the Returns team", inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("Assigned to the owner", inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("Assigned to nobody", inbox, StringComparison.Ordinal);

        await browser.HtmlAsync($"app/inbox/{own}?workspace={workspace.Id}");
        var thread = await browser.HtmlAsync($"app/inbox/{teams}?workspace={workspace.Id}");
        foreach (var hidden in new[] { others, nobodys })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"app/inbox/{hidden}?workspace={workspace.Id}")).StatusCode);
            var reply = await browser.PostAsync($"app/inbox/{hidden}?handler=Reply&workspace={workspace.Id}", TeammateBrowser.Form(thread, new() { ["body"] = "Not mine" }));
            Assert.Equal(HttpStatusCode.NotFound, reply.StatusCode);
        }
    }
}
