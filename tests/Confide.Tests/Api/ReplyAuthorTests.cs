using System.Net;
using System.Text.Json;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>
/// Who a reply, a conversation part or a note may be written as (<c>admin_id</c>), and that each
/// is an activity-log entry naming who really wrote it.
/// </summary>
public sealed class ReplyAuthorTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AdminId_IsTheCaller_OrATeammateTheCallerMayActFor(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var agentId = await AddTeammateAsync(owner, "agent");
        var otherAgentId = await AddTeammateAsync(owner, "agent");
        var adminId = await AddTeammateAsync(owner, "admin");
        using var agent = server.Client(Region.Eu, await MintAsync(server, workspace, agentId, "agent"));
        using var admin = server.Client(Region.Eu, await MintAsync(server, workspace, adminId, "admin"));
        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = "author@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hi" })).JsonAsync()).Str("conversation_id");

        // An agent writes only as itself: in a reply, a part and a note.
        await (await agent.PostJsonAsync($"conversations/{conversationId}/reply", Reply(workspace.OwnerId))).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await agent.PostJsonAsync($"conversations/{conversationId}/reply", Reply(otherAgentId))).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await agent.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = otherAgentId, message_type = "close" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await agent.PostJsonAsync($"contacts/{contactId}/notes", new { body = "As someone else", admin_id = otherAgentId })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await agent.PostJsonAsync($"conversations/{conversationId}/reply", Reply(agentId))).JsonAsync();
        await (await agent.PostJsonAsync($"contacts/{contactId}/notes", new { body = "Mine" })).JsonAsync();

        // teammates.manage may act for a teammate, but only an owner for an owner.
        await (await admin.PostJsonAsync($"conversations/{conversationId}/reply", Reply(agentId))).JsonAsync();
        await (await admin.PostJsonAsync($"conversations/{conversationId}/reply", Reply(workspace.OwnerId))).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await owner.PostJsonAsync($"conversations/{conversationId}/reply", Reply(adminId))).JsonAsync();
        await (await admin.PostJsonAsync($"conversations/{conversationId}/reply", Reply("0123456789abcdef01234567"))).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var parts = (await (await owner.GetAsync($"conversations/{conversationId}")).JsonAsync()).GetProperty("conversation_parts").GetProperty("conversation_parts");
        Assert.Equal([agentId, agentId, adminId], parts.EnumerateArray().Select(p => p.GetProperty("author").Str("id")));
        var notes = await (await owner.GetAsync($"contacts/{contactId}/notes")).JsonAsync();
        Assert.Equal([agentId], notes.GetProperty("data").EnumerateArray().Select(n => n.GetProperty("author").Str("id")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RepliesPartsAndNotes_AreActivityLogEntries_NamingTheCallerAndNoContent(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var agentId = await AddTeammateAsync(owner, "agent");
        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = "logged@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hi" })).JsonAsync()).Str("conversation_id");

        await (await owner.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = agentId, message_type = "note", body = "secret-reply-text" })).JsonAsync();
        await (await owner.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "user", intercom_user_id = contactId, body = "secret-customer-text" })).JsonAsync();
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "close" })).JsonAsync();
        var noteId = (await (await owner.PostJsonAsync($"contacts/{contactId}/notes", new { body = "secret-note-text" })).JsonAsync()).Str("id");

        var entries = await ActivityLogTests.AllEntriesAsync(owner);
        var parts = entries.Where(e => e.Str("activity_type") == "conversation_part_creation").ToList();
        Assert.Equal(["note", "comment", "close"], parts.Select(e => e.GetProperty("metadata").Str("part_type")));
        Assert.All(parts, e => Assert.Equal(("conversation", conversationId), (e.GetProperty("target").Str("type"), e.GetProperty("target").Str("id"))));
        Assert.All(parts, e => Assert.Equal((workspace.OwnerId, "api"), (e.GetProperty("performed_by").Str("id"), e.Str("performed_via"))));
        Assert.Contains(parts, e => e.GetProperty("metadata").Str("author_id") == agentId);
        var note = Assert.Single(entries, e => e.Str("activity_type") == "contact_note_creation");
        Assert.Equal(contactId, note.GetProperty("target").Str("id"));
        Assert.Equal(noteId, note.GetProperty("metadata").Str("note_id"));
        var everything = JsonSerializer.Serialize(entries);
        Assert.DoesNotContain("secret-", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("logged@example.com", everything, StringComparison.Ordinal);
    }

    private static object Reply(string adminId) => new { type = "admin", admin_id = adminId, message_type = "comment", body = "Hello" };

    private static async Task<string> AddTeammateAsync(HttpClient owner, string role) =>
        (await (await owner.PostJsonAsync("confide/teammates", new { email = $"t-{Guid.NewGuid():N}@example.com", role })).JsonAsync()).Str("id");

    private static async Task<string> MintAsync(TestServer server, TestWorkspace workspace, string teammateId, string role)
    {
        await workspace.EnsureJoinedAsync(teammateId);
        await using var scope = server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>();
        var caller = new ApiCaller(workspace.Id, teammateId, "") { Role = role, Permissions = BuiltInRoles.PermissionsOf(role) };
        return (await tokens.CreateAsync(server.Cell(Region.Eu), caller, "test", null, null, CancellationToken.None)).Secret;
    }
}
