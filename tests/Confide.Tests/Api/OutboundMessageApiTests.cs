using System.Net;
using System.Text;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Crypto;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Confide.Tests.Retention;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's admin-initiated messages: a conversation the teammate starts, shown to the contact
/// in the messenger; waiting closed until the contact replies unless asked otherwise; an email
/// one mailed to the contact's address (the outbox in the embedded mode); Intercom's errors.
/// </summary>
public sealed class OutboundMessageApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task InAppMessage_IsAnAdminInitiatedConversation_TheContactSeesAndReopensByReplying(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await visitor.BootOkAsync();
        var lead = await VisitorRuleTests.ContactOfAsync(workspace, await visitor.StartAsync("Just looking"));

        var message = await (await api.PostJsonAsync("messages", new
        {
            message_type = "inapp", body = "Can we help you choose?", from = new { type = "admin", id = workspace.OwnerId }, to = new { type = "lead", id = lead },
        })).JsonAsync();
        Assert.Equal(("admin_message", "inapp", "Can we help you choose?", ""), (message.Str("type"), message.Str("message_type"), message.Str("body"), message.Str("subject")));
        var conversationId = message.Str("conversation_id");
        Assert.True(message.GetProperty("created_at").GetInt64() > 0);

        var conversation = await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync();
        var source = conversation.GetProperty("source");
        Assert.Equal(("admin_initiated", "admin", workspace.OwnerId), (source.Str("delivered_as"), source.GetProperty("author").Str("type"), source.GetProperty("author").Str("id")));
        Assert.Equal(message.Str("id"), source.Str("id"));
        Assert.Equal(lead, conversation.GetProperty("contacts").GetProperty("contacts")[0].Str("id"));
        // Intercom's default: no conversation in the inbox until the contact replies.
        Assert.Equal("closed", conversation.Str("state"));

        // The contact sees it, unread, and answers it in the messenger: that reopens it.
        var list = await visitor.ListAsync();
        Assert.Contains(list.GetProperty("conversations").EnumerateArray(), c => c.Str("id") == conversationId && c.Str("last_message") == "Can we help you choose?");
        Assert.Equal(1, list.GetProperty("unread").GetInt32());
        await (await visitor.PostAsync($"conversations/{conversationId}/reply", new { body = "Yes please" })).JsonAsync();
        Assert.Equal("open", (await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync()).Str("state"));

        // Asked to, the conversation is open in the inbox at once; a numeric-looking admin id is not needed.
        var open = await (await api.PostJsonAsync("messages", new
        {
            message_type = "in_app", body = "Welcome back", from = new { type = "admin", id = workspace.OwnerId }, to = new { type = "lead", id = lead },
            create_conversation_without_contact_reply = true,
        })).JsonAsync();
        Assert.Equal("open", (await (await api.GetAsync($"conversations/{open.Str("conversation_id")}")).JsonAsync()).Str("state"));

        var log = (await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync()).GetProperty("activity_logs").EnumerateArray()
            .Where(e => e.Str("activity_type") == ActivityTypes.MessageCreation).ToList();
        Assert.Equal(2, log.Count);
        Assert.Contains(log, e => e.GetProperty("target").Str("id") == conversationId && e.GetProperty("metadata").Str("message_type") == "inapp");
        Assert.All(log, e => Assert.DoesNotContain("Welcome", e.GetRawText(), StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EmailMessage_GoesToTheContactsAddress_AndIsSealedInStorage(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"outbound-{Guid.NewGuid():N}@example.com";
        var user = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var marker = $"invoice-{Guid.NewGuid():N}";

        var message = await (await api.PostJsonAsync("messages", new
        {
            message_type = "email", subject = "Your invoice", body = $"Hello, here is {marker}.", template = "plain",
            from = new { type = "admin", id = workspace.OwnerId }, to = new { type = "user", id = user },
        })).JsonAsync();
        Assert.Equal(("admin_message", "email", "Your invoice"), (message.Str("type"), message.Str("message_type"), message.Str("subject")));
        var mailed = Assert.Single(Outbox.MessagesTo(server.DataDirectory, email));
        Assert.Equal("Your invoice", mailed.Subject);
        Assert.Contains(marker, mailed.TextBody, StringComparison.Ordinal);

        var conversation = await (await api.GetAsync($"conversations/{message.Str("conversation_id")}")).JsonAsync();
        Assert.Equal(("Your invoice", "admin_initiated"), (conversation.Str("title"), conversation.GetProperty("source").Str("delivered_as")));

        // Sealed under the contact's key like any part: not in the database files in clear.
        if (provider == Providers.Sqlite)
        {
            foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Outbox.DirectoryOf(server.DataDirectory), StringComparison.Ordinal)))
            {
                var bytes = await EncryptionAtRestTests.ReadSharedAsync(file);
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker)) < 0, $"The message text is in clear in {Path.GetFileName(file)}");
            }
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadMessages_AreIntercomsErrors(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var user = (await (await api.PostJsonAsync("contacts", new { email = $"bad-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var lead = (await (await api.PostJsonAsync("contacts", new { role = "lead" })).JsonAsync()).Str("id");
        var from = new { type = "admin", id = workspace.OwnerId };
        var to = new { type = "user", id = user };

        await (await api.PostJsonAsync("messages", new { message_type = "inapp", from, to })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("messages", new { message_type = "email", body = "Hi", from, to })).ErrorAsync(HttpStatusCode.UnprocessableEntity, "parameter_not_found");
        await (await api.PostJsonAsync("messages", new { message_type = "email", subject = "Hi", body = "Hi", from, to = new { type = "lead", id = lead } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("messages", new { message_type = "sms", body = "Hi", from, to })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("messages", new { body = "Hi", from = new { type = "user", id = user }, to })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("messages", new { body = "Hi", to })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("messages", new { body = "Hi", from })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("messages", new { body = "Hi", from, to = new { type = "visitor", id = user } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("messages", new { body = "Hi", from = new { type = "admin", id = "0123456789abcdef01234567" }, to })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync("messages", new { body = "Hi", from, to = new { type = "user", id = "0123456789abcdef01234567" } })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostJsonAsync("messages", new { body = "Hi", from = new { type = "admin", id = other.OwnerId }, to })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostRawAsync("messages", """{"body":"Hi","from":{"type":"admin","id":12.5},"to":{"type":"user","id":"x"}}""")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        // Nothing was created by the refused calls.
        Assert.Equal(0, (await (await api.GetAsync("conversations")).JsonAsync()).GetProperty("total_count").GetInt32());
    }
}
