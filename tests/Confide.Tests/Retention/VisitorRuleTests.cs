using System.Net.Http.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Retention;

/// <summary>
/// The built-in visitor rule: an anonymous messenger visitor unseen for 270 days is erased with
/// everything about them, in batches (ADR 0014); one day earlier, or seen again, or held, or
/// identified, they stay.
/// </summary>
public sealed class VisitorRuleTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Visitor_UnseenOneDayLongerThanThePeriod_IsErased_OneDayShorter_IsKept(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (visitorId, conversationId) = await VisitorAsync(workspace, "hello from a visitor");
        await SeedHistoryAsync(api, workspace, visitorId, conversationId);
        var (identifiedId, _) = await VisitorAsync(workspace, "I will give my address");
        await (await api.PutAsJsonAsync($"contacts/{identifiedId}", new { email = $"known-{Guid.NewGuid():N}@example.com" })).JsonAsync();
        var lastSeen = await workspace.ReadAsync(db => db.Contacts.Where(c => c.Id == visitorId).Select(c => c.LastSeenAt!.Value).SingleAsync());
        var clock = new FakeTimeProvider(lastSeen);
        var rule = server.Rule<VisitorRetentionRule>();
        Assert.Equal(("visitor", true, 270), (rule.Subject, rule.BuiltIn, rule.DefaultAfterDays));

        clock.Advance(TimeSpan.FromDays(269));
        var dayBefore = workspace.Scope(clock.GetUtcNow(), 270);
        Assert.Equal(0, (await rule.PreviewAsync(dayBefore, 10, CancellationToken.None)).Count);
        Assert.Equal(0, await rule.RunAsync(dayBefore));
        await (await api.GetAsync($"contacts/{visitorId}")).JsonAsync();

        clock.Advance(TimeSpan.FromDays(2));
        var dayAfter = workspace.Scope(clock.GetUtcNow(), 270);
        var preview = await rule.PreviewAsync(dayAfter, 10, CancellationToken.None);
        Assert.Equal(1, preview.Count);
        Assert.Equal([visitorId], preview.SampleIds);
        Assert.Equal(1, await rule.RunAsync(dayAfter));

        await AssertErasedAsync(workspace, [visitorId], [conversationId]);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, (await api.GetAsync($"contacts/{visitorId}")).StatusCode);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, (await api.GetAsync($"conversations/{conversationId}")).StatusCode);
        await (await api.GetAsync($"contacts/{identifiedId}")).JsonAsync();
        Assert.Null(await rule.NextBatchAsync(dayAfter, 10, CancellationToken.None));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Visitor_SeenAgain_StartsANewPeriod(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var messenger = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await messenger.BootOkAsync();
        var conversationId = await messenger.StartAsync("first visit");
        var visitorId = await ContactOfAsync(workspace, conversationId);
        var rule = server.Rule<VisitorRetentionRule>();
        var now = workspace.Scope(DateTimeOffset.UtcNow, 270);

        // Nine months and a day without a visit: due.
        await LastSeenAsync(workspace, visitorId, DateTimeOffset.UtcNow.AddDays(-271));
        Assert.Equal(1, (await rule.PreviewAsync(now, 10, CancellationToken.None)).Count);

        // The visitor comes back and opens the messenger: not due any more.
        await messenger.BootOkAsync();
        await messenger.ListAsync();
        Assert.Equal(0, (await rule.PreviewAsync(now, 10, CancellationToken.None)).Count);

        // Again unseen for as long, then a message: not due either.
        await LastSeenAsync(workspace, visitorId, DateTimeOffset.UtcNow.AddDays(-271));
        Assert.Equal(1, (await rule.PreviewAsync(now, 10, CancellationToken.None)).Count);
        await (await messenger.PostAsync($"conversations/{conversationId}/reply", new { body = "back again" })).JsonAsync();
        Assert.Equal(0, (await rule.PreviewAsync(now, 10, CancellationToken.None)).Count);
        Assert.Equal(0, await rule.RunAsync(now));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task HeldVisitors_AreKept_AnExpiredHoldKeepsNothing_AndAWorkspaceHoldKeepsEveryone(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var (heldContact, _) = await VisitorAsync(workspace, "held as a contact");
        var (heldThroughConversation, heldConversation) = await VisitorAsync(workspace, "held through a conversation");
        var (expired, _) = await VisitorAsync(workspace, "held until yesterday");
        await workspace.HoldAsync(LegalHoldTargets.Contact, heldContact);
        await workspace.HoldAsync(LegalHoldTargets.Conversation, heldConversation);
        var later = DateTimeOffset.UtcNow.AddDays(271);
        await workspace.HoldAsync(LegalHoldTargets.Contact, expired, until: later.AddDays(-1));
        var rule = server.Rule<VisitorRetentionRule>();
        var scope = workspace.Scope(later, 270);

        var preview = await rule.PreviewAsync(scope, 10, CancellationToken.None);
        Assert.Equal([expired], preview.SampleIds);
        Assert.Equal(1, await rule.RunAsync(scope));
        await AssertErasedAsync(workspace, [expired], []);
        var left = await workspace.ReadAsync(db => db.Contacts.Where(c => c.WorkspaceId == workspace.Id).Select(c => c.Id).ToListAsync());
        Assert.Equal(new[] { heldContact, heldThroughConversation }.Order(), left.Order());

        var other = await server.CreateWorkspaceAsync(Region.Eu);
        var (visitor, _) = await VisitorAsync(other, "the whole workspace is held");
        await other.HoldAsync(LegalHoldTargets.Workspace, other.Id);
        Assert.Equal(0, await rule.RunAsync(other.Scope(later, 270)));
        Assert.Equal(1, await other.ReadAsync(db => db.Contacts.CountAsync(c => c.Id == visitor)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ManyVisitors_AreErasedInBoundedBatches_AndABatchInterruptedAfterMarking_IsFinishedByTheNext(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var visitors = new List<(string Contact, string Conversation)>();
        for (var i = 0; i < 5; i++)
        {
            visitors.Add(await VisitorAsync(workspace, $"visitor {i}"));
        }

        var rule = server.Rule<VisitorRetentionRule>();
        var scope = workspace.Scope(DateTimeOffset.UtcNow.AddDays(271), 270);

        // The first batch marks two and destroys their keys; its write never commits (a crash).
        var interrupted = await rule.NextBatchAsync(scope, 2, CancellationToken.None);
        Assert.Equal(2, interrupted!.Count);
        var marked = await workspace.ReadAsync(db => db.PendingContactErasures.Where(p => p.WorkspaceId == workspace.Id).Select(p => p.ContactId).ToListAsync());
        Assert.Equal(2, marked.Count);
        foreach (var id in marked)
        {
            // Gone for every reader at once, and unreadable.
            await (await api.GetAsync($"contacts/{id}")).ErrorAsync(System.Net.HttpStatusCode.NotFound, "not_found");
            Assert.Empty(await (await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu)).GetAsync(workspace.Id, id, CancellationToken.None));
        }

        // The next call finishes those two first, then the rest, two at a time.
        var resumed = await rule.NextBatchAsync(scope, 2, CancellationToken.None);
        Assert.Equal(marked.Order(), (await workspace.ReadAsync(db => db.PendingContactErasures.Where(p => p.WorkspaceId == workspace.Id).Select(p => p.ContactId).ToListAsync())).Order());
        await server.Cell(Region.Eu).Writer.WriteAsync(resumed!.Write!, CancellationToken.None);
        Assert.Equal(3, await rule.RunAsync(scope, batchSize: 2));
        await AssertErasedAsync(workspace, [.. visitors.Select(v => v.Contact)], [.. visitors.Select(v => v.Conversation)]);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AVisitorWithALongHistory_IsErasedThroughThePerContactPurge(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var (talkative, conversationId) = await VisitorAsync(workspace, "a long story");
        var (brief, briefConversation) = await VisitorAsync(workspace, "short");
        // As if the conversation had grown past what one batch takes.
        await workspace.WriteAsync(db => db.Conversations.Where(c => c.Id == conversationId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.PartCount, RetentionErasure.LargeHistoryParts + 1)));
        var rule = server.Rule<VisitorRetentionRule>();

        Assert.Equal(2, await rule.RunAsync(workspace.Scope(DateTimeOffset.UtcNow.AddDays(271), 270)));
        await AssertErasedAsync(workspace, [brief], [briefConversation]);
        await Poll.UntilAsync(
            () => workspace.ReadAsync(db => db.Contacts.IgnoreQueryFilters().AnyAsync(c => c.Id == talkative)),
            any => !any, TimeSpan.FromSeconds(60), "the per-contact purge");
        await AssertErasedAsync(workspace, [talkative], [conversationId]);
        // That path signs a receipt; the batched one does not (the run's entry counts them).
        Assert.Equal(1, await workspace.ReadAsync(db => db.ErasureReceipts.CountAsync(r => r.WorkspaceId == workspace.Id)));
    }

    /// <summary>A messenger visitor's first message: the lead it creates and the conversation.</summary>
    internal static async Task<(string ContactId, string ConversationId)> VisitorAsync(TestWorkspace workspace, string message)
    {
        using var messenger = new MessengerVisitor(workspace.Server, workspace.Region, workspace.Id);
        await messenger.BootOkAsync();
        var conversationId = await messenger.StartAsync(message);
        return (await ContactOfAsync(workspace, conversationId), conversationId);
    }

    /// <summary>A teammate's reply and internal note, a note on the contact, a tag on the contact and on the conversation, a company, a place on another contact's conversation, a data event and a consent record: every kind of row about a contact.</summary>
    internal static async Task SeedHistoryAsync(HttpClient api, TestWorkspace workspace, string contactId, string conversationId)
    {
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = "a reply" })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "note", body = "an internal note" })).JsonAsync();
        await (await api.PostJsonAsync($"contacts/{contactId}/notes", new { body = "a note", admin_id = workspace.OwnerId })).JsonAsync();
        var tag = (await (await api.PostJsonAsync("tags", new { name = $"tag-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/tags", new { id = tag })).JsonAsync();
        var company = (await (await api.PostJsonAsync("companies", new { company_id = $"co-{Guid.NewGuid():N}", name = "Visited" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/companies", new { id = company })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversationId}/tags", new { id = tag, admin_id = workspace.OwnerId })).JsonAsync();
        // The contact attached to someone else's conversation (a conversation participant).
        var other = (await (await api.PostJsonAsync("contacts", new { email = $"other-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var othersConversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = other }, body = "Another thread" })).JsonAsync()).Str("conversation_id");
        await (await api.PostJsonAsync($"conversations/{othersConversation}/customers", new { admin_id = workspace.OwnerId, customer = new { intercom_user_id = contactId } })).JsonAsync();
        using var tracked = await api.PostJsonAsync("events", new { event_name = "viewed-pricing", created_at = 1_700_000_000, id = contactId, metadata = new { plan = "pro" } });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, tracked.StatusCode);
        var subscriptionTypeId = (await Api.SubscriptionApiTests.CreateTypeAsync(api, "opt_out", $"offers-{Guid.NewGuid():N}")).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = subscriptionTypeId, consent_type = "opt_out" })).JsonAsync();
    }

    internal static Task<string> ContactOfAsync(TestWorkspace workspace, string conversationId) =>
        workspace.ReadAsync(db => db.Conversations.Where(c => c.Id == conversationId).Select(c => c.ContactId).SingleAsync());

    private static Task LastSeenAsync(TestWorkspace workspace, string contactId, DateTimeOffset at) =>
        workspace.WriteAsync(db => db.Contacts.Where(c => c.Id == contactId).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeenAt, at)));

    /// <summary>
    /// Nothing of the contacts is left: no row of any entity that names them or their conversations
    /// (found from the model, so an entity the batch path misses fails here), no pending note, no key.
    /// </summary>
    internal static async Task AssertErasedAsync(TestWorkspace workspace, IReadOnlyCollection<string> contactIds, IReadOnlyCollection<string> conversationIds)
    {
        await using var db = workspace.Server.Cell(workspace.Region).CreateReadContext();
        var left = await RetentionLeftovers.FindAsync(db, contactIds, conversationIds);
        Assert.True(left.Count == 0, "Left behind: " + string.Join(", ", left));
        var keys = await workspace.Server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(workspace.Region);
        foreach (var id in contactIds)
        {
            Assert.Empty(await keys.GetAsync(workspace.Id, id, CancellationToken.None));
        }
    }
}
