using System.Net;
using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Api;

public sealed class ConversationApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Conversation_Lifecycle_RecordsEveryPartInOrder(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "c@example.com", name = "Cee" })).JsonAsync()).Str("id");

        var message = await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Help, please" })).JsonAsync();
        Assert.Equal("user_message", message.Str("type"));
        var conversationId = message.Str("conversation_id");

        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "On it" })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "note", type = "admin", admin_id = workspace.OwnerId, body = "internal" })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "user", intercom_user_id = contactId, body = "Thanks" })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/parts", new { message_type = "assignment", type = "admin", admin_id = workspace.OwnerId, assignee_id = workspace.OwnerId })).JsonAsync();
        var closed = await (await client.PostJsonAsync($"conversations/{conversationId}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId, body = "Bye" })).JsonAsync();
        Assert.Equal("closed", closed.Str("state"));
        Assert.False(closed.GetProperty("open").GetBoolean());

        var conversation = await (await client.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Equal("Help, please", conversation.GetProperty("source").Str("body"));
        Assert.Equal(contactId, conversation.GetProperty("contacts").GetProperty("contacts")[0].Str("id"));
        Assert.Equal(workspace.OwnerId, conversation.Str("admin_assignee_id"));
        var parts = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().ToList();
        Assert.Equal(["comment", "note", "comment", "assignment", "close"], parts.Select(p => p.Str("part_type")));
        Assert.Equal(["admin", "admin", "user", "admin", "admin"], parts.Select(p => p.GetProperty("author").Str("type")));

        var reopened = await (await client.PostJsonAsync($"conversations/{conversationId}/parts", new { message_type = "open", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal("open", reopened.Str("state"));

        var list = await (await client.GetAsync("conversations")).JsonAsync();
        Assert.Equal("conversation.list", list.Str("type"));
        Assert.Equal(conversationId, list.GetProperty("conversations")[0].Str("id"));

        var deleted = await (await client.DeleteAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        await (await client.GetAsync($"conversations/{conversationId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Reads_NameEachTeammateAuthor(string provider)
    {
        // Reads load only the teammates they name: each author must still be found, and the
        // workspace's other teammates must not stand in for them.
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var annEmail = $"ann-{Guid.NewGuid():N}@example.com";
        var annId = (await (await client.PostJsonAsync("confide/teammates", new { email = annEmail, name = "Ann", role = "agent" })).JsonAsync()).Str("id");
        await (await client.PostJsonAsync("confide/teammates", new { email = $"bystander-{Guid.NewGuid():N}@example.com", name = "Bystander", role = "agent" })).JsonAsync();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "n@example.com", name = "Nia" })).JsonAsync()).Str("id");
        var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hi" })).JsonAsync()).Str("conversation_id");

        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "One" })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = annId, body = "Two" })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "user", intercom_user_id = contactId, body = "Three" })).JsonAsync();

        var conversation = await (await client.GetAsync($"conversations/{conversationId}")).JsonAsync();
        var authors = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray()
            .Select(p => p.GetProperty("author")).Select(a => (a.Str("id"), a.Str("email"))).ToList();
        Assert.Equal([(workspace.OwnerId, workspace.OwnerEmail), (annId, annEmail), (contactId, "n@example.com")], authors);

        var note = await (await client.PostJsonAsync($"contacts/{contactId}/notes", new { body = "Called", admin_id = annId })).JsonAsync();
        Assert.Equal(annEmail, note.GetProperty("author").Str("email"));
        Assert.Equal(annEmail, (await (await client.GetAsync($"notes/{note.Str("id")}")).JsonAsync()).GetProperty("author").Str("email"));
        var notes = await (await client.GetAsync($"contacts/{contactId}/notes")).JsonAsync();
        Assert.Equal(annEmail, notes.GetProperty("data")[0].GetProperty("author").Str("email"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Reply_ByAnotherContactOrUnknownAdmin_IsRefusedAndWritesNothing(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var owner = (await (await client.PostJsonAsync("contacts", new { email = "o@example.com" })).JsonAsync()).Str("id");
        var stranger = (await (await client.PostJsonAsync("contacts", new { email = "s@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = owner }, body = "mine" })).JsonAsync()).Str("conversation_id");

        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "user", intercom_user_id = stranger, body = "x" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = "0123456789abcdef01234567", body = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = "" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "explode" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var conversation = await (await client.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Equal(0, conversation.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TagsAndNotes_AttachToContacts(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "t@example.com" })).JsonAsync()).Str("id");
        var tag = await (await client.PostJsonAsync("tags", new { name = "VIP" })).JsonAsync();
        Assert.Equal(tag.Str("id"), (await (await client.PostJsonAsync("tags", new { name = "VIP" })).JsonAsync()).Str("id"));

        await (await client.PostJsonAsync($"contacts/{contactId}/tags", new { id = tag.Str("id") })).JsonAsync();
        var tags = await (await client.GetAsync($"contacts/{contactId}/tags")).JsonAsync();
        Assert.Equal("VIP", tags.GetProperty("data")[0].Str("name"));
        var contact = await (await client.GetAsync($"contacts/{contactId}")).JsonAsync();
        Assert.Equal(tag.Str("id"), contact.GetProperty("tags").GetProperty("data")[0].Str("id"));

        await (await client.DeleteAsync($"contacts/{contactId}/tags/{tag.Str("id")}")).JsonAsync();
        Assert.Equal(0, (await (await client.GetAsync($"contacts/{contactId}/tags")).JsonAsync()).GetProperty("data").GetArrayLength());

        var note = await (await client.PostJsonAsync($"contacts/{contactId}/notes", new { body = "Prefers email", admin_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal("Prefers email", (await (await client.GetAsync($"notes/{note.Str("id")}")).JsonAsync()).Str("body"));
        var notes = await (await client.GetAsync($"contacts/{contactId}/notes")).JsonAsync();
        Assert.Equal(1, notes.GetProperty("total_count").GetInt32());
        Assert.Equal(0, (await (await client.GetAsync($"contacts/{contactId}/notes?page=2")).JsonAsync()).GetProperty("data").GetArrayLength());

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"tags/{tag.Str("id")}")).StatusCode);
        await (await client.GetAsync($"tags/{tag.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Admins_ListAndMe_ShowOnlyThisWorkspace(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Mine");
        var other = await server.CreateWorkspaceAsync(Region.Eu, "Theirs");
        using var client = workspace.Client();

        var me = await (await client.GetAsync("me")).JsonAsync();
        Assert.Equal(workspace.OwnerId, me.Str("id"));
        Assert.Equal(workspace.Id, me.GetProperty("app").Str("id_code"));
        var admins = await (await client.GetAsync("admins")).JsonAsync();
        Assert.Equal([workspace.OwnerId], admins.GetProperty("admins").EnumerateArray().Select(a => a.Str("id")));
        await (await client.GetAsync($"admins/{other.OwnerId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(workspace.OwnerEmail, (await (await client.GetAsync($"admins/{workspace.OwnerId}")).JsonAsync()).Str("email"));
    }
}
