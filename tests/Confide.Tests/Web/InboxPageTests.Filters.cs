using System.Net;
using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>The inbox's assignment filters and the assign control, over HTTP.</summary>
public sealed partial class InboxPageTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Filters_AssignedToMe_AndUnassigned_ShowTheRightRows(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var agent = await AddTeammateAsync(server, api, "agent", "Avery Agent");
        var contactId = await AddContactAsync(api, "filters@example.com", "Fran");
        var mine = await StartConversationAsync(api, contactId, "Open and mine", assignTo: workspace.OwnerId, workspace);
        var agents = await StartConversationAsync(api, contactId, "Open and the agent's", assignTo: agent.Id, workspace);
        var nobodys = await StartConversationAsync(api, contactId, "Open and nobody's", assignTo: null, workspace);
        var closedMine = await StartConversationAsync(api, contactId, "Closed and mine", assignTo: workspace.OwnerId, workspace);
        await (await api.PostJsonAsync($"conversations/{closedMine}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        async Task<List<string>> ListedAsync(string state)
        {
            var html = await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}&state={state}");
            return [.. new[] { mine, agents, nobodys, closedMine }.Where(id => html.Contains($"/app/inbox/{id}?", StringComparison.Ordinal))];
        }

        Assert.Equal([mine], await ListedAsync("mine"));
        Assert.Equal([nobodys], await ListedAsync("UNASSIGNED"));
        Assert.Equal([mine, agents, nobodys], await ListedAsync("open"));
        // Anything else is the open filter, numbers included (an enum would parse them).
        Assert.Equal([mine, agents, nobodys], await ListedAsync("1"));

        var assignedToMe = await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}&state=mine");
        var filters = assignedToMe[assignedToMe.IndexOf("class=\"filters\"", StringComparison.Ordinal)..];
        Assert.Contains("state=mine\" aria-current=\"page\">Assigned to me <span class=\"count\" data-filter=\"mine\">1</span></a>", filters, StringComparison.Ordinal);
        Assert.Contains("state=unassigned\">Unassigned <span class=\"count\" data-filter=\"unassigned\">1</span></a>", filters, StringComparison.Ordinal);
        Assert.Single(AriaCurrentPattern().Matches(filters));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Assign_OnlyWithTheReplyPermission_AndUnassignWritesAPartToo(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var agent = await AddTeammateAsync(server, api, "agent", "Avery Agent");
        var viewer = await AddTeammateAsync(server, api, "viewer", "Vic Viewer");
        var contactId = await AddContactAsync(api, "assign@example.com", "Ada");
        var conversationId = await StartConversationAsync(api, contactId, "Who takes this?", assignTo: null, workspace);

        using var viewerBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await viewerBrowser.PostPasswordAsync(viewer.Email, viewer.Password)).StatusCode);
        var viewerPage = await viewerBrowser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}");
        Assert.DoesNotContain("handler=Assign", viewerPage, StringComparison.OrdinalIgnoreCase);
        var refused = await viewerBrowser.PostAsync($"app/inbox/{conversationId}?handler=Assign&workspace={workspace.Id}", TeammateBrowser.Form(viewerPage, new() { ["assignee"] = viewer.Id }));
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await ConversationAsync(api, conversationId)).GetProperty("admin_assignee_id").ValueKind);

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(agent.Email, agent.Password)).StatusCode);
        var page = await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}");
        Assert.Contains($"<option value=\"{viewer.Id}\">Vic Viewer</option>", page, StringComparison.Ordinal);
        Assert.Contains("<dd>assign@example.com</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dd>user</dd>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(
            $"app/inbox/{conversationId}?handler=Assign&workspace={workspace.Id}", TeammateBrowser.Form(page, new() { ["assignee"] = agent.Id }))).StatusCode);
        Assert.Equal(agent.Id, (await ConversationAsync(api, conversationId)).Str("admin_assignee_id"));

        page = await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}");
        Assert.Contains("Assigned to Avery Agent", page, StringComparison.Ordinal);
        Assert.Contains($"<option value=\"{agent.Id}\" selected=\"selected\">Avery Agent</option>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(
            $"app/inbox/{conversationId}?handler=Assign&workspace={workspace.Id}", TeammateBrowser.Form(page, new() { ["assignee"] = "" }))).StatusCode);
        var conversation = await ConversationAsync(api, conversationId);
        Assert.Equal(JsonValueKind.Null, conversation.GetProperty("admin_assignee_id").ValueKind);
        var parts = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().ToList();
        Assert.Equal(["assignment", "assignment"], parts.Select(p => p.Str("part_type")));
        Assert.All(parts, p => Assert.Equal(agent.Id, p.GetProperty("author").Str("id")));
        Assert.Contains("removed the assignee", await browser.HtmlAsync($"app/inbox/{conversationId}?workspace={workspace.Id}"), StringComparison.Ordinal);
    }

    private sealed record Teammate(string Id, string Email, string Password);

    private static async Task<Teammate> AddTeammateAsync(TestServer server, HttpClient api, string role, string name)
    {
        var added = await (await api.PostJsonAsync("confide/teammates", new { email = $"{role}-{Guid.NewGuid():N}@example.com", name, role })).JsonAsync();
        var email = (await (await api.GetAsync($"admins/{added.Str("id")}")).JsonAsync()).Str("email");
        return new Teammate(added.Str("id"), email, await server.JoinByInvitationAsync(Region.Eu, email));
    }

    private static async Task<string> AddContactAsync(HttpClient api, string email, string name) =>
        (await (await api.PostJsonAsync("contacts", new { email, name })).JsonAsync()).Str("id");

    private static async Task<string> StartConversationAsync(HttpClient api, string contactId, string body, string? assignTo, TestWorkspace workspace)
    {
        var id = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body })).JsonAsync()).Str("conversation_id");
        if (assignTo is not null)
        {
            await (await api.PostJsonAsync($"conversations/{id}/parts", new { message_type = "assignment", type = "admin", admin_id = workspace.OwnerId, assignee_id = assignTo })).JsonAsync();
        }

        return id;
    }

    /// <summary>The contact writes in the conversation, as the messenger would.</summary>
    private static async Task ContactRepliesAsync(HttpClient api, string conversationId, string contactId, string body) =>
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "user", intercom_user_id = contactId, body })).JsonAsync();

    private static async Task<JsonElement> ConversationAsync(HttpClient api, string conversationId) =>
        await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync();

    [System.Text.RegularExpressions.GeneratedRegex("aria-current=\"page\"")]
    private static partial System.Text.RegularExpressions.Regex AriaCurrentPattern();
}
