using System.Net;
using System.Net.Http.Json;
using Confide.Audit;
using Confide.Crypto;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's lead-into-user merge: every module's records of the lead become the user's,
/// re-sealed under the user's key; the user's custom attributes win; the lead is erased as any
/// contact is (key destroyed, no row left that names it); refused for what Intercom refuses and
/// for a contact under a legal hold, with nothing moved.
/// </summary>
public sealed class ContactMergeTests(Servers servers)
{
    /// <summary>Receipt categories that do not move one for one, with the reason.</summary>
    private static readonly Dictionary<string, string> NotMoved = new(StringComparer.Ordinal)
    {
        [ErasedCategories.ContactProfile] = "the two profiles become one: the user's",
        [ErasedCategories.CustomAttributes] = "merged into the user's one set",
        ["subject_exports"] = "the lead's own archives, deleted with its erasure",
        ["data_export_rows"] = "rows record who received a message: the lead's leave the files with its erasure",
        ["privacy_request_identifiers"] = "a request about the lead stays the lead's, and its erasure clears it",
        [ErasedCategories.SearchTokens] = "derived: the lead's conversations' tokens move with them, the user's own are rebuilt from the merged profile",
    };

    /// <summary>
    /// A lead with a row in every entity a handler claims is merged: handler by handler, the user's
    /// count grows by exactly the lead's (so a handler whose records stay behind, or a new handler
    /// nobody seeded here, fails), every moved value is sealed under the user's key, and once the
    /// lead's purge ran nothing anywhere names the lead and its key is gone.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Merge_MovesEveryHandlersRecords_ReSealedUnderTheUsersKey_AndErasesTheLead(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (lead, conversation) = await VisitorRuleTests.VisitorAsync(workspace, "Hello from a visitor");
        await VisitorRuleTests.SeedHistoryAsync(api, workspace, lead, conversation);
        await (await api.PutAsJsonAsync($"contacts/{lead}", new { name = "Lena Lead", phone = "+441234567890", custom_attributes = new { plan = "lead-plan", referrer = "ad" } })).JsonAsync();
        var email = $"merge-{Guid.NewGuid():N}@example.com";
        var user = (await (await api.PostJsonAsync("contacts", new { email, external_id = $"u-{Guid.NewGuid():N}", custom_attributes = new { plan = "user-plan" } })).JsonAsync()).Str("id");

        var handlers = server.Services.GetServices<ISubjectDataHandler>().ToList();
        var leadBefore = await CountsAsync(server, workspace, handlers, lead);
        var userBefore = await CountsAsync(server, workspace, handlers, user);

        var merged = await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = user })).JsonAsync();
        Assert.Equal(("contact", user, "user", email), (merged.Str("type"), merged.Str("id"), merged.Str("role"), merged.Str("email")));
        Assert.Equal(("Lena Lead", "+441234567890"), (merged.Str("name"), merged.Str("phone")));
        var attributes = merged.GetProperty("custom_attributes");
        Assert.Equal(("user-plan", "ad"), (attributes.Str("plan"), attributes.Str("referrer")));
        Assert.Equal(1, merged.GetProperty("tags").GetProperty("total_count").GetInt32());
        await (await api.GetAsync($"contacts/{lead}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var userAfter = await CountsAsync(server, workspace, handlers, user);
        foreach (var category in leadBefore.Keys.Where(c => !NotMoved.ContainsKey(c)))
        {
            Assert.True(leadBefore[category] > 0, $"The seeded lead has no {category}: seed it here, so the merge of that handler is tested.");
            Assert.True(userBefore.GetValueOrDefault(category) + leadBefore[category] == userAfter.GetValueOrDefault(category),
                $"{category}: the user had {userBefore.GetValueOrDefault(category)}, the lead {leadBefore[category]}, the user has {userAfter.GetValueOrDefault(category)} after the merge.");
        }

        // The conversation is the user's, readable, the lead's own message authored by the user.
        var read = await (await api.GetAsync($"conversations/{conversation}")).JsonAsync();
        Assert.Equal(user, read.GetProperty("contacts").GetProperty("contacts")[0].Str("id"));
        Assert.Equal("Hello from a visitor", read.GetProperty("source").Str("body"));
        Assert.Equal(("user", user), (read.GetProperty("source").GetProperty("author").Str("type"), read.GetProperty("source").GetProperty("author").Str("id")));
        var notes = await (await api.GetAsync($"contacts/{user}/notes")).JsonAsync();
        Assert.Contains(notes.GetProperty("data").EnumerateArray(), n => n.Str("body").Contains("a note", StringComparison.Ordinal));
        var events = await (await api.GetAsync($"events?type=user&intercom_user_id={user}")).JsonAsync();
        Assert.Equal("pro", events.GetProperty("events")[0].GetProperty("metadata").Str("plan"));

        // Every moved value is sealed under the user's key.
        var userKey = Assert.Single(await (await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu)).GetAsync(workspace.Id, user, CancellationToken.None)).KeyId;
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var sealedValues = new List<byte[]>();
            sealedValues.AddRange(await db.ConversationParts.Where(p => p.ConversationId == conversation && p.EncryptedBody != null).Select(p => p.EncryptedBody!).ToListAsync());
            sealedValues.AddRange(await db.Conversations.Where(c => c.ContactId == user && c.EncryptedTitle != null).Select(c => c.EncryptedTitle!).ToListAsync());
            sealedValues.AddRange(await db.Notes.Where(n => n.ContactId == user).Select(n => n.EncryptedBody).ToListAsync());
            sealedValues.AddRange(await db.DataEvents.Where(e => e.ContactId == user && e.EncryptedMetadata != null).Select(e => e.EncryptedMetadata!).ToListAsync());
            var profile = await db.Contacts.SingleAsync(c => c.Id == user);
            sealedValues.AddRange(new[] { profile.EncryptedName, profile.EncryptedPhone, profile.EncryptedCustomAttributes }.OfType<byte[]>());
            Assert.True(sealedValues.Count >= 7, $"only {sealedValues.Count} sealed values found");
            Assert.All(sealedValues, value => Assert.Equal(userKey, FieldCipher.KeyIdOf(value)));
        }

        // The lead's erasure: purged, its key destroyed, no row left that names it; the conversation stays, the user's.
        await api.WaitForPurgeAsync(lead);
        await VisitorRuleTests.AssertErasedAsync(workspace, [lead], []);
        Assert.Equal(user, await VisitorRuleTests.ContactOfAsync(workspace, conversation));

        var log = (await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync()).GetProperty("activity_logs").EnumerateArray().ToList();
        var entry = Assert.Single(log, e => e.Str("activity_type") == ActivityTypes.ContactMerge);
        Assert.Equal(user, entry.GetProperty("target").Str("id"));
        Assert.Equal((lead, user), (entry.GetProperty("metadata").Str("from"), entry.GetProperty("metadata").Str("into")));
        Assert.DoesNotContain(email, entry.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(log, e => e.Str("activity_type") == ActivityTypes.ContactDeletion && e.GetProperty("target").Str("id") == lead);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Merge_RefusesWhatIntercomRefuses_AndAContactUnderALegalHold_MovingNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var lead = (await (await api.PostJsonAsync("contacts", new { role = "lead", name = "A lead" })).JsonAsync()).Str("id");
        var secondLead = (await (await api.PostJsonAsync("contacts", new { role = "lead" })).JsonAsync()).Str("id");
        var user = (await (await api.PostJsonAsync("contacts", new { email = $"into-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var secondUser = (await (await api.PostJsonAsync("contacts", new { email = $"other-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var conversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "lead", id = lead }, body = "Hi" })).JsonAsync()).Str("conversation_id");

        await (await api.PostJsonAsync("contacts/merge", new { from = user, into = secondUser })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = secondLead })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = lead })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("contacts/merge", new { from = lead })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("contacts/merge", new { into = user })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("contacts/merge", new { from = "0123456789abcdef01234567", into = user })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostJsonAsync("contacts/merge", new { from = lead, into = user })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var leadHold = await HoldAsync(api, "contact", lead);
        var refused = await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = user })).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        Assert.Contains("lead", refused.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        await (await api.DeleteAsync($"confide/legal_holds/{leadHold}")).JsonAsync();

        var userHold = await HoldAsync(api, "contact", user);
        refused = await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = user })).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        Assert.Contains("user", refused.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);

        // Nothing moved: the lead and its conversation are as they were.
        Assert.Equal("A lead", (await (await api.GetAsync($"contacts/{lead}")).JsonAsync()).Str("name"));
        Assert.Equal(lead, await VisitorRuleTests.ContactOfAsync(workspace, conversation));
        await (await api.DeleteAsync($"confide/legal_holds/{userHold}")).JsonAsync();

        var merged = await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = user })).JsonAsync();
        Assert.Equal(("A lead", user), (merged.Str("name"), merged.Str("id")));
        Assert.Equal(user, await VisitorRuleTests.ContactOfAsync(workspace, conversation));
        await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = user })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>
    /// A merge that fails half-way — here the lead's event metadata no longer authenticates, and the
    /// events are moved after the conversations, notes, tags and companies — changes nothing: the
    /// one transaction rolls back, the lead keeps its records, sealed under its own key, and its key.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Merge_FailingHalfWay_RollsEverythingBack(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (lead, conversation) = await VisitorRuleTests.VisitorAsync(workspace, "Half-way");
        await VisitorRuleTests.SeedHistoryAsync(api, workspace, lead, conversation);
        var user = (await (await api.PostJsonAsync("contacts", new { email = $"half-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var sealedMetadata = await workspace.ReadAsync(db => db.DataEvents.Where(e => e.ContactId == lead).Select(e => e.EncryptedMetadata!).SingleAsync());
        var corrupted = sealedMetadata.ToArray();
        corrupted[^1] ^= 0x01;
        await workspace.WriteAsync(db => db.DataEvents.Where(e => e.ContactId == lead).ExecuteUpdateAsync(s => s.SetProperty(e => e.EncryptedMetadata, corrupted)));
        var handlers = server.Services.GetServices<ISubjectDataHandler>().ToList();
        var leadBefore = await CountsAsync(server, workspace, handlers, lead);

        await (await api.PostJsonAsync("contacts/merge", new { from = lead, into = user })).ErrorAsync(HttpStatusCode.InternalServerError, "integrity_error");

        Assert.Equal(leadBefore, await CountsAsync(server, workspace, handlers, lead));
        Assert.Equal(lead, await VisitorRuleTests.ContactOfAsync(workspace, conversation));
        Assert.Equal(lead, (await (await api.GetAsync($"contacts/{lead}")).JsonAsync()).Str("id"));
        Assert.Equal(0, (await (await api.GetAsync($"contacts/{user}")).JsonAsync()).GetProperty("tags").GetProperty("total_count").GetInt32());
        var leadKey = Assert.Single(await (await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu)).GetAsync(workspace.Id, lead, CancellationToken.None)).KeyId;
        var parts = await workspace.ReadAsync(db => db.ConversationParts.Where(p => p.ConversationId == conversation && p.EncryptedBody != null).Select(p => p.EncryptedBody!).ToListAsync());
        Assert.All(parts, body => Assert.Equal(leadKey, FieldCipher.KeyIdOf(body)));
        var log = (await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync()).GetProperty("activity_logs").EnumerateArray();
        Assert.DoesNotContain(log, e => e.Str("activity_type") is ActivityTypes.ContactMerge or ActivityTypes.ContactDeletion);
    }

    private static async Task<string> HoldAsync(HttpClient api, string targetType, string targetId) =>
        (await (await api.PostJsonAsync("confide/legal_holds", new { target_type = targetType, target_id = targetId, reason = "Merge test" })).JsonAsync()).Str("id");

    private static async Task<Dictionary<string, long>> CountsAsync(TestServer server, TestWorkspace workspace, IEnumerable<ISubjectDataHandler> handlers, string contactId)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        foreach (var handler in handlers)
        {
            await handler.CountAsync(db, workspace.Id, contactId, counts, CancellationToken.None);
        }

        return counts;
    }
}
