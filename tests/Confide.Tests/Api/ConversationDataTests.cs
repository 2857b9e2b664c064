using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Confide.Tests.Privacy;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Api;

/// <summary>
/// What a conversation holds beyond its messages, and destroying a message's text: custom
/// attributes (sealed, checked against the <c>conversation</c> data attributes), the contact's
/// rating from the messenger, and redaction — each shown in Intercom's shapes, exported with the
/// contact and, where a teammate changed it, in the activity log without its values.
/// </summary>
public sealed class ConversationDataTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Redact_DestroysAPartsAndTheSourcesText_ShowsRedacted_AndLogsNoText(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var markers = new CanaryMarkers();
        var contact = await ConversationSearchTests.ContactAsync(client, "redacted");
        var conversation = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body = markers["source"] })).JsonAsync()).Str("conversation_id");
        var replied = await (await client.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = markers["reply"] })).JsonAsync();
        var reply = replied.GetProperty("conversation_parts").GetProperty("conversation_parts")[0].Str("id");
        var closed = await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
        var close = closed.GetProperty("conversation_parts").GetProperty("conversation_parts")[1].Str("id");
        var source = closed.GetProperty("source").Str("id");

        var redacted = await (await client.PostJsonAsync("conversations/redact", new { type = "conversation_part", conversation_id = conversation, conversation_part_id = reply })).JsonAsync();
        var part = redacted.GetProperty("conversation_parts").GetProperty("conversation_parts")[0];
        Assert.Equal((reply, true, ""), (part.Str("id"), part.GetProperty("redacted").GetBoolean(), part.Str("body")));
        Assert.Equal((false, markers["source"]), (redacted.GetProperty("source").GetProperty("redacted").GetBoolean(), redacted.GetProperty("source").Str("body")));

        var sourceRedacted = await (await client.PostJsonAsync("conversations/redact", new { type = "source", conversation_id = conversation, source_id = source })).JsonAsync();
        Assert.Equal((true, ""), (sourceRedacted.GetProperty("source").GetProperty("redacted").GetBoolean(), sourceRedacted.GetProperty("source").Str("body")));
        // Again: nothing more to destroy, nothing more logged.
        await (await client.PostJsonAsync("conversations/redact", new { type = "source", conversation_id = conversation, source_id = source })).JsonAsync();

        // The ciphertext is gone from the row, not hidden behind a flag.
        var stored = await workspace.ReadAsync(db => db.ConversationParts.Where(p => p.ConversationId == conversation).OrderBy(p => p.Sequence).Select(p => new { p.Id, p.EncryptedBody, p.Redacted }).ToListAsync());
        Assert.All(stored.Where(p => p.Id == source || p.Id == reply), p => Assert.Equal((null, true), (p.EncryptedBody, p.Redacted)));

        var entries = (await ActivityLogTests.AllEntriesAsync(client)).Where(e => e.Str("activity_type") == ActivityTypes.ConversationPartRedaction).ToList();
        Assert.Equal([(reply, "conversation_part"), (source, "source")], entries.Select(e => (e.GetProperty("metadata").Str("part_id"), e.GetProperty("metadata").Str("redacted"))));
        Assert.All(entries, e => Assert.Equal((conversation, contact), (e.GetProperty("target").Str("id"), e.GetProperty("metadata").Str("contact_id"))));
        var log = string.Join("\n", (await ActivityLogTests.AllEntriesAsync(client)).Select(e => e.GetRawText()));
        Assert.DoesNotContain(markers["source"], log, StringComparison.Ordinal);
        Assert.DoesNotContain(markers["reply"], log, StringComparison.Ordinal);

        // Intercom's errors: unknown parts, the source named as a part, a part without text, a bad type.
        await (await client.PostJsonAsync("conversations/redact", new { type = "conversation_part", conversation_id = conversation, conversation_part_id = "0123456789abcdef01234567" })).ErrorAsync(HttpStatusCode.NotFound, "conversation_part_or_message_not_found");
        await (await client.PostJsonAsync("conversations/redact", new { type = "conversation_part", conversation_id = conversation, conversation_part_id = source })).ErrorAsync(HttpStatusCode.NotFound, "conversation_part_or_message_not_found");
        await (await client.PostJsonAsync("conversations/redact", new { type = "source", conversation_id = conversation, source_id = reply })).ErrorAsync(HttpStatusCode.NotFound, "conversation_part_or_message_not_found");
        await (await client.PostJsonAsync("conversations/redact", new { type = "conversation_part", conversation_id = conversation, conversation_part_id = close })).ErrorAsync(HttpStatusCode.BadRequest, "conversation_part_not_redactable");
        await (await client.PostJsonAsync("conversations/redact", new { type = "conversation_part", conversation_id = "0123456789abcdef01234567", conversation_part_id = reply })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync("conversations/redact", new { type = "message", conversation_id = conversation, conversation_part_id = reply })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("conversations/redact", new { type = "conversation_part", conversation_id = conversation })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync("conversations/redact", new { conversation_id = conversation, conversation_part_id = reply })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");

        // A legal hold on the conversation refuses it, as it refuses a deletion.
        var held = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body = "Kept for the dispute" })).JsonAsync()).Str("conversation_id");
        var heldSource = (await (await client.GetAsync($"conversations/{held}")).JsonAsync()).GetProperty("source").Str("id");
        await (await client.PostJsonAsync("confide/legal_holds", new { target_type = "conversation", target_id = held, reason = "Dispute" })).JsonAsync();
        await (await client.PostJsonAsync("conversations/redact", new { type = "source", conversation_id = held, source_id = heldSource })).ErrorAsync(HttpStatusCode.Conflict, "legal_hold");
        Assert.Equal("Kept for the dispute", (await (await client.GetAsync($"conversations/{held}")).JsonAsync()).GetProperty("source").Str("body"));

        // The access export shows the parts as redacted, without text.
        var (json, _) = await ExportAsync(client, contact);
        var exported = JsonDocument.Parse(json).RootElement.GetProperty("categories").GetProperty(DataCategories.UserMessage).GetProperty("conversation_part").EnumerateArray().ToList();
        Assert.All(exported.Where(p => p.Str("id") == source || p.Str("id") == reply), p => Assert.Equal((true, JsonValueKind.Null), (p.GetProperty("redacted").GetBoolean(), p.GetProperty("body").ValueKind)));
        Assert.DoesNotContain(markers["source"], json, StringComparison.Ordinal);
        Assert.DoesNotContain(markers["reply"], json, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CustomAttributes_AreSealed_CheckedAgainstConversationAttributes_Shown_Exported_AndErased(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var markers = new CanaryMarkers();
        var contact = await ConversationSearchTests.ContactAsync(client, "attributes");
        var conversation = await ConversationSearchTests.ConversationAsync(client, contact);
        Assert.Empty((await (await client.GetAsync($"conversations/{conversation}")).JsonAsync()).GetProperty("custom_attributes").EnumerateObject());

        // With no conversation attribute defined, any flat value is taken (as for contacts); merged by name.
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new { order = markers["order"], items = 3 } })).JsonAsync();
        var updated = await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new { items = 4, gift = true } })).JsonAsync();
        var attributes = updated.GetProperty("custom_attributes");
        Assert.Equal((markers["order"], 4, true), (attributes.Str("order"), attributes.GetProperty("items").GetInt32(), attributes.GetProperty("gift").GetBoolean()));
        var listed = (await (await client.GetAsync("conversations")).JsonAsync()).GetProperty("conversations")[0].GetProperty("custom_attributes");
        Assert.Equal(markers["order"], listed.Str("order"));
        var sealedValue = await workspace.ReadAsync(db => db.Conversations.Where(c => c.Id == conversation).Select(c => c.EncryptedCustomAttributes).SingleAsync());
        Assert.True(sealedValue!.AsSpan().IndexOf(Encoding.UTF8.GetBytes(markers["order"])) < 0);

        // Defined attributes are enforced with Intercom's messages.
        await (await client.PostJsonAsync("data_attributes", new { name = "tier", model = "conversation", data_type = "string" })).JsonAsync();
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new { tier = 3 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new { colour = "red" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new[] { 1 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Equal("gold", (await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new { tier = "gold" } })).JsonAsync()).GetProperty("custom_attributes").Str("tier"));
        // Searchable through the encrypted-field index (ConversationAttributeSearchTests); a name not defined is refused.
        var found = await (await client.PostJsonAsync("conversations/search", new { query = new { field = "custom_attributes.tier", @operator = "=", value = "gold" } })).JsonAsync();
        Assert.Equal(conversation, found.GetProperty("conversations")[0].Str("id"));
        await (await client.PostJsonAsync("conversations/search", new { query = new { field = "custom_attributes.colour", @operator = "=", value = "red" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var entries = (await ActivityLogTests.AllEntriesAsync(client)).Where(e => e.Str("activity_type") == ActivityTypes.ConversationCustomAttributesChange).ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal(["items", "gift"], entries[1].GetProperty("metadata").GetProperty("attributes").EnumerateArray().Select(a => a.GetString()));
        Assert.All(entries, e => Assert.DoesNotContain(markers["order"], e.GetRawText(), StringComparison.Ordinal));

        var (json, _) = await ExportAsync(client, contact);
        var exported = JsonDocument.Parse(json).RootElement.GetProperty("categories").GetProperty(DataCategories.UserCustom).GetProperty("conversation")
            .EnumerateArray().Single(c => c.Str("id") == conversation);
        Assert.Equal((markers["order"], "gold"), (exported.GetProperty("custom_attributes").Str("order"), exported.GetProperty("custom_attributes").Str("tier")));

        await (await client.DeleteAsync($"contacts/{contact}")).JsonAsync();
        await client.WaitForPurgeAsync(contact);
        Assert.Equal(0, await workspace.ReadAsync(db => db.Conversations.IgnoreQueryFilters().CountAsync(c => c.Id == conversation)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Rating_FromTheMessenger_IsShownOnTheConversation_AndOnlyTheContactCanGiveIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var markers = new CanaryMarkers();
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await visitor.BootOkAsync();
        var conversation = await visitor.StartAsync("Could you help?");
        await (await api.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = "Done!" })).JsonAsync();
        Assert.False((await (await api.GetAsync($"conversations/{conversation}")).JsonAsync()).TryGetProperty("conversation_rating", out _));

        await (await visitor.PostAsync($"conversations/{conversation}/rating", new { rating = 6 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await visitor.PostAsync($"conversations/{conversation}/rating", new { remark = "no number" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        var thread = await (await visitor.PostAsync($"conversations/{conversation}/rating", new { rating = 4, remark = markers["remark"] })).JsonAsync();
        Assert.Equal((4, markers["remark"]), (thread.GetProperty("rating").GetProperty("rating").GetInt32(), thread.GetProperty("rating").Str("remark")));

        var rated = await (await api.GetAsync($"conversations/{conversation}")).JsonAsync();
        var contact = rated.GetProperty("contacts").GetProperty("contacts")[0].Str("id");
        var rating = rated.GetProperty("conversation_rating");
        Assert.Equal((4, markers["remark"]), (rating.GetProperty("rating").GetInt32(), rating.Str("remark")));
        Assert.Equal((contact, "admin", workspace.OwnerId), (rating.GetProperty("contact").Str("id"), rating.GetProperty("teammate").Str("type"), rating.GetProperty("teammate").Str("id")));
        Assert.InRange(rating.GetProperty("created_at").GetInt64(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var sealedRemark = await workspace.ReadAsync(db => db.Conversations.Where(c => c.Id == conversation).Select(c => c.EncryptedRatingRemark).SingleAsync());
        Assert.True(sealedRemark!.AsSpan().IndexOf(Encoding.UTF8.GetBytes(markers["remark"])) < 0);

        // Nobody else's session reaches it.
        using var stranger = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await stranger.BootOkAsync();
        await (await stranger.PostAsync($"conversations/{conversation}/rating", new { rating = 1 })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(4, (await (await api.GetAsync($"conversations/{conversation}")).JsonAsync()).GetProperty("conversation_rating").GetProperty("rating").GetInt32());

        var (json, _) = await ExportAsync(api, contact);
        var categories = JsonDocument.Parse(json).RootElement.GetProperty("categories");
        Assert.Equal(markers["remark"], categories.GetProperty(DataCategories.UserMessage).GetProperty("conversation").EnumerateArray().Single(c => c.Str("id") == conversation).Str("rating_remark"));
        Assert.Equal(4, categories.GetProperty(DataCategories.UserBehavior).GetProperty("conversation").EnumerateArray().Single(c => c.Str("id") == conversation).GetProperty("rating").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Customers_AreAttachedAndDetached_Listed_Searched_AndGoWithTheirErasure(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var starter = await ConversationSearchTests.ContactAsync(client, "starter");
        var conversation = await ConversationSearchTests.ConversationAsync(client, starter);
        var guestEmail = $"guest-{Guid.NewGuid():N}@example.com";
        var guest = (await (await client.PostJsonAsync("contacts", new { email = guestEmail })).JsonAsync()).Str("id");
        var thirdExternalId = $"third-{Guid.NewGuid():N}";
        var third = (await (await client.PostJsonAsync("contacts", new { external_id = thirdExternalId })).JsonAsync()).Str("id");
        static List<string> Contacts(JsonElement c) => [.. c.GetProperty("contacts").GetProperty("contacts").EnumerateArray().Select(x => x.Str("id"))];

        var attached = await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId, customer = new { intercom_user_id = guest } })).JsonAsync();
        Assert.Equal([starter, guest], Contacts(attached));
        // Again, by email, and the starting contact: nothing changes.
        Assert.Equal([starter, guest], Contacts(await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId, customer = new { email = guestEmail } })).JsonAsync()));
        Assert.Equal([starter, guest], Contacts(await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId, customer = new { intercom_user_id = starter } })).JsonAsync()));
        Assert.Equal([starter, guest, third], Contacts(await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId, customer = new { user_id = thirdExternalId } })).JsonAsync()));
        Assert.Equal([starter, guest, third], Contacts((await (await client.GetAsync("conversations")).JsonAsync()).GetProperty("conversations")[0]));

        var found = await (await client.PostJsonAsync("conversations/search", new { query = new { field = "contact_ids", @operator = "=", value = guest } })).JsonAsync();
        Assert.Equal([conversation], found.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")));

        using (var detach = new HttpRequestMessage(HttpMethod.Delete, $"conversations/{conversation}/customers/{third}") { Content = JsonContent.Create(new { admin_id = workspace.OwnerId }) })
        {
            Assert.Equal([starter, guest], Contacts(await (await client.SendAsync(detach)).JsonAsync()));
        }

        using (var detach = new HttpRequestMessage(HttpMethod.Delete, $"conversations/{conversation}/customers/{starter}") { Content = JsonContent.Create(new { admin_id = workspace.OwnerId }) })
        {
            await (await client.SendAsync(detach)).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        using (var detach = new HttpRequestMessage(HttpMethod.Delete, $"conversations/{conversation}/customers/{third}") { Content = JsonContent.Create(new { admin_id = workspace.OwnerId }) })
        {
            await (await client.SendAsync(detach)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        }

        await (await client.DeleteAsync($"conversations/{conversation}/customers/{guest}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId, customer = new { email = "nobody@example.com" } })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { customer = new { intercom_user_id = guest } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/customers", new { admin_id = workspace.OwnerId, customer = new { intercom_user_id = guest, email = guestEmail } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("conversations/0123456789abcdef01234567/customers", new { admin_id = workspace.OwnerId, customer = new { intercom_user_id = guest } })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var entries = (await ActivityLogTests.AllEntriesAsync(client)).Where(e => e.Str("activity_type").StartsWith("conversation_contact_", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [(ActivityTypes.ConversationContactAttachment, guest), (ActivityTypes.ConversationContactAttachment, third), (ActivityTypes.ConversationContactDetachment, third)],
            entries.Select(e => (e.Str("activity_type"), e.GetProperty("metadata").Str("contact_id"))));

        // The guest's erasure takes the link; the conversation stays the starter's.
        await (await client.DeleteAsync($"contacts/{guest}")).JsonAsync();
        await client.WaitForPurgeAsync(guest);
        Assert.Equal([starter], Contacts(await (await client.GetAsync($"conversations/{conversation}")).JsonAsync()));
        Assert.Equal(0, await workspace.ReadAsync(db => db.ConversationParticipants.CountAsync(p => p.ConversationId == conversation)));
    }

    /// <summary>An access export of the contact (by id), downloaded.</summary>
    private static async Task<(string Json, string Html)> ExportAsync(HttpClient api, string contactId)
    {
        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId })).JsonAsync()).Str("id");
        var exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
        Assert.Equal("completed", (await SubjectExportApiTests.CompletedAsync(api, exportId)).Str("state"));
        return await SubjectExportApiTests.DownloadAsync(api, exportId);
    }
}
