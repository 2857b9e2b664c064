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
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(viewerEmail, viewer.Str("initial_password"))).StatusCode);

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
}
