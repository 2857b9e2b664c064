using System.Net;
using System.Net.Http.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Api;

/// <summary>
/// Tags on conversations and their priority, in Intercom's shapes: applied as a teammate, listed
/// on the conversation, removed with the conversation, the tag or the contact, each change logged.
/// </summary>
public sealed class ConversationTagTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Tag_IsAppliedAsATeammate_ListedOnTheConversation_RemovedAndLogged(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ConversationSearchTests.ContactAsync(client, "tagged");
        var conversation = await ConversationSearchTests.ConversationAsync(client, contact);
        var tag = (await (await client.PostJsonAsync("tags", new { name = "Billing" })).JsonAsync()).Str("id");

        var applied = await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = tag, admin_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal(("tag", tag, "Billing"), (applied.Str("type"), applied.Str("id"), applied.Str("name")));
        Assert.Equal(("admin", workspace.OwnerId), (applied.GetProperty("applied_by").Str("type"), applied.GetProperty("applied_by").Str("id")));
        var appliedAt = applied.GetProperty("applied_at").GetInt64();
        Assert.InRange(appliedAt, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        // Applying it again keeps the first application.
        var again = await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = tag, admin_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal(appliedAt, again.GetProperty("applied_at").GetInt64());

        var read = await (await client.GetAsync($"conversations/{conversation}")).JsonAsync();
        Assert.Equal("tag.list", read.GetProperty("tags").Str("type"));
        var listed = Assert.Single(read.GetProperty("tags").GetProperty("tags").EnumerateArray());
        Assert.Equal((tag, "Billing", appliedAt), (listed.Str("id"), listed.Str("name"), listed.GetProperty("applied_at").GetInt64()));
        var page = await (await client.GetAsync("conversations")).JsonAsync();
        Assert.Equal(tag, page.GetProperty("conversations")[0].GetProperty("tags").GetProperty("tags")[0].Str("id"));

        using (var remove = new HttpRequestMessage(HttpMethod.Delete, $"conversations/{conversation}/tags/{tag}") { Content = JsonContent.Create(new { admin_id = workspace.OwnerId }) })
        {
            var removed = await (await client.SendAsync(remove)).JsonAsync();
            Assert.Equal((tag, appliedAt), (removed.Str("id"), removed.GetProperty("applied_at").GetInt64()));
        }

        Assert.Equal(0, (await (await client.GetAsync($"conversations/{conversation}")).JsonAsync()).GetProperty("tags").GetProperty("tags").GetArrayLength());
        // Removing it again (no body, as Confide also takes it) changes nothing; the answer has no
        // applied_at nor applied_by, which Intercom's shape has optional rather than nullable.
        var notApplied = await (await client.DeleteAsync($"conversations/{conversation}/tags/{tag}")).JsonAsync();
        Assert.Equal(tag, notApplied.Str("id"));
        Assert.False(notApplied.TryGetProperty("applied_at", out _) || notApplied.TryGetProperty("applied_by", out _));

        var entries = (await ActivityLogTests.AllEntriesAsync(client)).Where(e => e.Str("activity_type").StartsWith("conversation_tag", StringComparison.Ordinal)).ToList();
        Assert.Equal([ActivityTypes.ConversationTagCreation, ActivityTypes.ConversationTagDeletion], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal((conversation, contact, tag), (e.GetProperty("target").Str("id"), e.GetProperty("metadata").Str("contact_id"), e.GetProperty("metadata").Str("tag_id"))));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Tagging_RefusesUnknownIdsAndMissingFields_WithIntercomErrors(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        using var otherClient = other.Client();
        var conversation = await ConversationSearchTests.ConversationAsync(client, await ConversationSearchTests.ContactAsync(client, "refused"));
        var tag = (await (await client.PostJsonAsync("tags", new { name = "Mine" })).JsonAsync()).Str("id");
        var otherTag = (await (await otherClient.PostJsonAsync("tags", new { name = "Theirs" })).JsonAsync()).Str("id");
        var unknown = "0123456789abcdef01234567";

        await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = tag })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = otherTag, admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync($"conversations/{unknown}/tags", new { id = tag, admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = tag, admin_id = unknown })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = 7, admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.DeleteAsync($"conversations/{conversation}/tags/{otherTag}")).ErrorAsync(HttpStatusCode.NotFound, "tag_not_found");
        await (await otherClient.DeleteAsync($"conversations/{conversation}/tags/{otherTag}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, await workspace.ReadAsync(db => db.ConversationTags.CountAsync(t => t.ConversationId == conversation)));

        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { priority = "urgent" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = new { plan = new { tier = "pro" } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PutAsJsonAsync($"conversations/{unknown}", new { priority = "priority" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TagLinks_GoWithTheTag_AndWithTheConversation(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ConversationSearchTests.ContactAsync(client, "links");
        var first = await ConversationSearchTests.ConversationAsync(client, contact);
        var second = await ConversationSearchTests.ConversationAsync(client, contact);
        var doomed = (await (await client.PostJsonAsync("tags", new { name = "Doomed" })).JsonAsync()).Str("id");
        var kept = (await (await client.PostJsonAsync("tags", new { name = "Kept" })).JsonAsync()).Str("id");
        foreach (var conversation in (string[])[first, second])
        {
            foreach (var tag in (string[])[doomed, kept])
            {
                await (await client.PostJsonAsync($"conversations/{conversation}/tags", new { id = tag, admin_id = workspace.OwnerId })).JsonAsync();
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"tags/{doomed}")).StatusCode);
        var tags = (await (await client.GetAsync($"conversations/{first}")).JsonAsync()).GetProperty("tags").GetProperty("tags");
        Assert.Equal([kept], tags.EnumerateArray().Select(t => t.Str("id")));
        Assert.Equal(0, await workspace.ReadAsync(db => db.ConversationTags.CountAsync(t => t.TagId == doomed)));

        await (await client.DeleteAsync($"conversations/{first}")).JsonAsync();
        Assert.Equal([second], await workspace.ReadAsync(db => db.ConversationTags.Where(t => t.TagId == kept).Select(t => t.ConversationId).ToListAsync()));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Priority_IsSetAndClearedWithPut_AndLoggedWhenItChanges(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ConversationSearchTests.ContactAsync(client, "priority");
        var conversation = await ConversationSearchTests.ConversationAsync(client, contact);
        Assert.Equal("not_priority", (await (await client.GetAsync($"conversations/{conversation}")).JsonAsync()).Str("priority"));

        var set = await (await client.PutAsJsonAsync($"conversations/{conversation}", new { priority = "priority", read = true })).JsonAsync();
        Assert.Equal(("priority", true), (set.Str("priority"), set.GetProperty("read").GetBoolean()));
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { priority = "priority" })).JsonAsync();
        var cleared = await (await client.PutAsJsonAsync($"conversations/{conversation}", new { priority = "not_priority" })).JsonAsync();
        Assert.Equal(("not_priority", true), (cleared.Str("priority"), cleared.GetProperty("read").GetBoolean()));
        var unread = await (await client.PutAsJsonAsync($"conversations/{conversation}", new { read = false })).JsonAsync();
        Assert.Equal(("not_priority", false), (unread.Str("priority"), unread.GetProperty("read").GetBoolean()));

        var entries = (await ActivityLogTests.AllEntriesAsync(client)).Where(e => e.Str("activity_type") == ActivityTypes.ConversationPriorityChange).ToList();
        Assert.Equal([("not_priority", "priority"), ("priority", "not_priority")], entries.Select(e => (e.GetProperty("metadata").Str("before"), e.GetProperty("metadata").Str("after"))));
        Assert.All(entries, e => Assert.Equal((conversation, contact), (e.GetProperty("target").Str("id"), e.GetProperty("metadata").Str("contact_id"))));
    }
}
