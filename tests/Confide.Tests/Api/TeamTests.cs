using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>Teams (Intercom's shapes, Confide's management endpoints) and what <c>conversations.read.team</c> lets a teammate see.</summary>
public sealed class TeamTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Teams_CreateRenameChangeMembersDelete_InIntercomShape_WithActivityEntries(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var ann = await AddTeammateAsync(owner, "agent");
        var bob = await AddTeammateAsync(owner, "agent");

        var created = await (await owner.PostJsonAsync("confide/teams", new { name = " Billing ", admin_ids = new[] { bob, ann, bob } })).JsonAsync();
        var teamId = created.Str("id");
        Assert.Equal("team", created.Str("type"));
        Assert.Equal("Billing", created.Str("name"));
        Assert.Equal(new[] { ann, bob }.Order(StringComparer.Ordinal), AdminIds(created));

        var list = await (await owner.GetAsync("teams")).JsonAsync();
        Assert.Equal("team.list", list.Str("type"));
        var listed = Assert.Single(list.GetProperty("teams").EnumerateArray());
        Assert.Equal(("team", teamId, "Billing"), (listed.Str("type"), listed.Str("id"), listed.Str("name")));
        Assert.Equal(AdminIds(created), AdminIds(listed));
        Assert.Equal(AdminIds(created), AdminIds(await (await owner.GetAsync($"teams/{teamId}")).JsonAsync()));
        var annAsAdmin = await (await owner.GetAsync($"admins/{ann}")).JsonAsync();
        Assert.Equal([teamId], annAsAdmin.GetProperty("team_ids").EnumerateArray().Select(t => t.GetString()));

        var renamed = await (await owner.PutAsync($"confide/teams/{teamId}", Json(new { name = "Payments" }))).JsonAsync();
        Assert.Equal("Payments", renamed.Str("name"));
        Assert.Equal(AdminIds(created), AdminIds(renamed));
        var narrowed = await (await owner.PutAsync($"confide/teams/{teamId}", Json(new { admin_ids = new[] { ann } }))).JsonAsync();
        Assert.Equal([ann], AdminIds(narrowed));
        await (await owner.PutAsync($"confide/teams/{teamId}", Json(new { name = "Payments", admin_ids = new[] { ann } }))).JsonAsync();
        Assert.Empty((await (await owner.GetAsync($"admins/{bob}")).JsonAsync()).GetProperty("team_ids").EnumerateArray());

        // Deleting the team leaves its conversations without a team, and with their admin assignee.
        var conversationId = await StartConversationAsync(owner, "For payments");
        await AssignAsync(owner, workspace.OwnerId, conversationId, "team", teamId);
        await AssignAsync(owner, workspace.OwnerId, conversationId, "admin", ann);
        var deleted = await (await owner.DeleteAsync($"confide/teams/{teamId}")).JsonAsync();
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        await (await owner.GetAsync($"teams/{teamId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var conversation = await (await owner.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Equal(JsonValueKind.Null, conversation.GetProperty("team_assignee_id").ValueKind);
        Assert.Equal(ann, conversation.Str("admin_assignee_id"));
        Assert.Empty((await (await owner.GetAsync("teams")).JsonAsync()).GetProperty("teams").EnumerateArray());

        var entries = (await ActivityLogTests.AllEntriesAsync(owner)).Where(e => e.Str("activity_type").Contains("team", StringComparison.Ordinal)).ToList();
        Assert.Equal(["app_team_creation", "team_name_change", "app_team_membership_modification", "app_team_deletion"], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal(teamId, e.GetProperty("target").Str("id")));
        var modification = entries[2].GetProperty("metadata");
        Assert.Equal(AdminIds(created), AdminIds(modification.GetProperty("before")));
        Assert.Equal([ann], AdminIds(modification.GetProperty("after")));
        Assert.Equal(1, entries[3].GetProperty("metadata").GetProperty("conversations_unassigned").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Teams_RefuseBadInput_AndOtherWorkspacesIds(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        using var otherOwner = other.Client();
        var theirTeam = (await (await otherOwner.PostJsonAsync("confide/teams", new { name = "Theirs" })).JsonAsync()).Str("id");

        await (await owner.PostJsonAsync("confide/teams", new { admin_ids = new[] { workspace.OwnerId } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await owner.PostJsonAsync("confide/teams", new { name = "  " })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var unknown = await (await owner.PostJsonAsync("confide/teams", new { name = "Ghosts", admin_ids = new[] { "0123456789abcdef01234567" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Contains("0123456789abcdef01234567", unknown.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        await (await owner.PostJsonAsync("confide/teams", new { name = "Poachers", admin_ids = new[] { other.OwnerId } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var support = (await (await owner.PostJsonAsync("confide/teams", new { name = "Support" })).JsonAsync()).Str("id");
        var sales = (await (await owner.PostJsonAsync("confide/teams", new { name = "Sales" })).JsonAsync()).Str("id");
        await (await owner.PostJsonAsync("confide/teams", new { name = "Support" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await owner.PutAsync($"confide/teams/{sales}", Json(new { name = "Support" }))).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await owner.PutAsync($"confide/teams/{support}", Json(new { admin_ids = new[] { other.OwnerId } }))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        // The same name in another workspace is no conflict.
        await (await otherOwner.PostJsonAsync("confide/teams", new { name = "Support" })).JsonAsync();

        await (await owner.GetAsync($"teams/{theirTeam}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.PutAsync($"confide/teams/{theirTeam}", Json(new { name = "Mine now" }))).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.DeleteAsync($"confide/teams/{theirTeam}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var conversationId = await StartConversationAsync(owner, "Hello");
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", Assignment(workspace.OwnerId, "team", theirTeam))).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { message_type = "close", type = "team", admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var teams = await (await owner.GetAsync("teams")).JsonAsync();
        Assert.Equal(["Sales", "Support"], teams.GetProperty("teams").EnumerateArray().Select(t => t.Str("name")));
        Assert.Equal(["Support", "Theirs"], (await (await otherOwner.GetAsync("teams")).JsonAsync()).GetProperty("teams").EnumerateArray().Select(t => t.Str("name")));
        var entries = await ActivityLogTests.AllEntriesAsync(owner);
        Assert.Equal(2, entries.Count(e => e.Str("activity_type") == "app_team_creation"));
        Assert.DoesNotContain(entries, e => e.Str("activity_type") is "team_name_change" or "app_team_membership_modification");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TeamAssignment_ThroughParts_IsIndependentOfTheAdminAssignee(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var teamId = (await (await owner.PostJsonAsync("confide/teams", new { name = "Tier 2" })).JsonAsync()).Str("id");
        var conversationId = await StartConversationAsync(owner, "Escalate me");

        var assigned = await AssignAsync(owner, workspace.OwnerId, conversationId, "team", teamId);
        Assert.Equal(teamId, assigned.Str("team_assignee_id"));
        Assert.Equal(JsonValueKind.Null, assigned.GetProperty("admin_assignee_id").ValueKind);
        assigned = await AssignAsync(owner, workspace.OwnerId, conversationId, "admin", workspace.OwnerId);
        Assert.Equal((teamId, workspace.OwnerId), (assigned.Str("team_assignee_id"), assigned.Str("admin_assignee_id")));

        // "0" clears the assignee of that type only.
        assigned = await AssignAsync(owner, workspace.OwnerId, conversationId, "team", "0");
        Assert.Equal(JsonValueKind.Null, assigned.GetProperty("team_assignee_id").ValueKind);
        Assert.Equal(workspace.OwnerId, assigned.Str("admin_assignee_id"));

        var parts = (await (await owner.GetAsync($"conversations/{conversationId}")).JsonAsync()).GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().ToList();
        Assert.Equal(["assignment", "assignment", "assignment"], parts.Select(p => p.Str("part_type")));
        Assert.Equal(("team", teamId), (parts[0].GetProperty("assigned_to").Str("type"), parts[0].GetProperty("assigned_to").Str("id")));
        Assert.Equal(("admin", workspace.OwnerId), (parts[1].GetProperty("assigned_to").Str("type"), parts[1].GetProperty("assigned_to").Str("id")));
        // The team removed: the type, no id (Intercom's reference has no null id).
        Assert.Equal("team", parts[2].GetProperty("assigned_to").Str("type"));
        Assert.False(parts[2].GetProperty("assigned_to").TryGetProperty("id", out _));
        Assert.All(parts, p => Assert.Equal(workspace.OwnerId, p.GetProperty("author").Str("id")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ReadTeamOnly_SeesExactlyOwnAndTeamConversations_UntilRemovedFromTheTeam(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        string[] permissions = [Permissions.ConversationsReadTeam, Permissions.ConversationsReply, Permissions.TeammatesRead];
        var role = (await (await owner.PostJsonAsync("confide/roles", new { name = "Team inbox", permissions })).JsonAsync()).Str("id");
        var agent = await AddTeammateAsync(owner, role);
        using var agentApi = server.Client(Region.Eu, await MintAsync(server, workspace, agent, role, permissions));
        var mine = (await (await owner.PostJsonAsync("confide/teams", new { name = "Mine", admin_ids = new[] { agent } })).JsonAsync()).Str("id");
        var notMine = (await (await owner.PostJsonAsync("confide/teams", new { name = "Not mine", admin_ids = new[] { workspace.OwnerId } })).JsonAsync()).Str("id");

        var assignedToMe = await StartConversationAsync(owner, "assigned to me");
        await AssignAsync(owner, workspace.OwnerId, assignedToMe, "admin", agent);
        var toMyTeam = await StartConversationAsync(owner, "to my team");
        await AssignAsync(owner, workspace.OwnerId, toMyTeam, "team", mine);
        var toMyTeamAndOwner = await StartConversationAsync(owner, "to my team and the owner");
        await AssignAsync(owner, workspace.OwnerId, toMyTeamAndOwner, "team", mine);
        await AssignAsync(owner, workspace.OwnerId, toMyTeamAndOwner, "admin", workspace.OwnerId);
        var toOtherTeam = await StartConversationAsync(owner, "to another team");
        await AssignAsync(owner, workspace.OwnerId, toOtherTeam, "team", notMine);
        var unassigned = await StartConversationAsync(owner, "unassigned");

        await AssertSeesExactlyAsync(agentApi, [assignedToMe, toMyTeam, toMyTeamAndOwner], [toOtherTeam, unassigned]);
        var reply = new { type = "admin", admin_id = agent, message_type = "comment", body = "On it" };
        await (await agentApi.PostJsonAsync($"conversations/{toMyTeam}/reply", reply)).JsonAsync();
        await (await agentApi.PostJsonAsync($"conversations/{toOtherTeam}/reply", reply)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await agentApi.PostJsonAsync($"conversations/{unassigned}/parts", Assignment(agent, "admin", agent))).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        // Only the owner's team assignment: the refused reply wrote nothing.
        Assert.Equal(1, (await (await owner.GetAsync($"conversations/{toOtherTeam}")).JsonAsync()).GetProperty("conversation_parts").GetProperty("total_count").GetInt32());

        // Leaving the team takes effect on the next request; their own conversation stays theirs.
        await (await owner.PutAsync($"confide/teams/{mine}", Json(new { admin_ids = Array.Empty<string>() }))).JsonAsync();
        await AssertSeesExactlyAsync(agentApi, [assignedToMe], [toMyTeam, toMyTeamAndOwner, toOtherTeam, unassigned]);

        // A token scoped to read.team narrows a full role the same way (the owner is in "Not mine").
        var ownerCaller = new ApiCaller(workspace.Id, workspace.OwnerId, "") { Role = "owner", Permissions = BuiltInRoles.PermissionsOf("owner") };
        using var scoped = server.Client(Region.Eu, await MintAsync(server, ownerCaller, [Permissions.ConversationsReadTeam]));
        await AssertSeesExactlyAsync(scoped, [toOtherTeam, toMyTeamAndOwner], [assignedToMe, toMyTeam, unassigned]);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RemovingATeammate_RemovesTheirTeamMemberships(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var leaving = await AddTeammateAsync(owner, "agent");
        var teamId = (await (await owner.PostJsonAsync("confide/teams", new { name = "Night shift", admin_ids = new[] { leaving, workspace.OwnerId } })).JsonAsync()).Str("id");

        await (await owner.DeleteAsync($"confide/teammates/{leaving}")).JsonAsync();

        Assert.Equal([workspace.OwnerId], AdminIds(await (await owner.GetAsync($"teams/{teamId}")).JsonAsync()));
        var removal = (await ActivityLogTests.AllEntriesAsync(owner)).Single(e => e.Str("activity_type") == "admin_deletion");
        Assert.Equal([teamId], removal.GetProperty("metadata").GetProperty("team_ids_left").EnumerateArray().Select(t => t.GetString()));
    }

    private static async Task AssertSeesExactlyAsync(HttpClient api, string[] visible, string[] hidden)
    {
        var listed = await (await api.GetAsync("conversations")).JsonAsync();
        Assert.Equal(visible.Order(StringComparer.Ordinal), listed.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")).Order(StringComparer.Ordinal));
        Assert.Equal(visible.Length, listed.GetProperty("total_count").GetInt32());
        // A search sees the same conversations, and counts only those.
        var searched = await (await api.PostJsonAsync("conversations/search", new { query = new { field = "open", @operator = "=", value = true } })).JsonAsync();
        Assert.Equal(visible.Order(StringComparer.Ordinal), searched.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")).Order(StringComparer.Ordinal));
        Assert.Equal(visible.Length, searched.GetProperty("total_count").GetInt32());
        foreach (var id in visible)
        {
            await (await api.GetAsync($"conversations/{id}")).JsonAsync();
        }

        foreach (var id in hidden)
        {
            await (await api.GetAsync($"conversations/{id}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    private static async Task<string> AddTeammateAsync(HttpClient owner, string role) =>
        (await (await owner.PostJsonAsync("confide/teammates", new { email = $"t-{Guid.NewGuid():N}@example.com", role })).JsonAsync()).Str("id");

    private static async Task<string> StartConversationAsync(HttpClient owner, string body)
    {
        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = $"c-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        return (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body })).JsonAsync()).Str("conversation_id");
    }

    private static object Assignment(string adminId, string type, string assigneeId) =>
        new { message_type = "assignment", type, admin_id = adminId, assignee_id = assigneeId };

    private static async Task<JsonElement> AssignAsync(HttpClient owner, string adminId, string conversationId, string type, string assigneeId) =>
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", Assignment(adminId, type, assigneeId))).JsonAsync();

    private static string[] AdminIds(JsonElement team) => [.. team.GetProperty("admin_ids").EnumerateArray().Select(a => a.GetString()!)];

    private static JsonContent Json(object body) => JsonContent.Create(body);

    private static async Task<string> MintAsync(TestServer server, TestWorkspace workspace, string teammateId, string role, string[] rolePermissions)
    {
        await workspace.EnsureJoinedAsync(teammateId);
        return await MintAsync(server, new ApiCaller(workspace.Id, teammateId, "") { Role = role, Permissions = Permissions.WithImplied(rolePermissions) }, scopes: null);
    }

    private static async Task<string> MintAsync(TestServer server, ApiCaller caller, string[]? scopes)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>();
        return (await tokens.CreateAsync(server.Cell(Region.Eu), caller, "test", scopes, null, CancellationToken.None)).Secret;
    }
}
