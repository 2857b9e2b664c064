using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Retention;

/// <summary>
/// The closed-conversation rule: closed longer than the period (ClosedAt, or UpdatedAt for one
/// closed before ClosedAt existed) goes with its parts and tag links, in batches bounded by parts; a reopened or held one, and the contact, stay.
/// </summary>
public sealed class ClosedConversationRuleTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ClosedOneDayPastThePeriod_IsDeleted_OneDayBefore_IsKept_ReopenedAndHeldStay(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = (await (await api.PostJsonAsync("contacts", new { role = "user", email = $"c-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var closed = await ConversationAsync(api, workspace, contact, replies: 12);
        var reopened = await ConversationAsync(api, workspace, contact);
        var legacy = await ConversationAsync(api, workspace, contact);
        var held = await ConversationAsync(api, workspace, contact);
        var open = await ConversationAsync(api, workspace, contact);
        foreach (var id in (string[])[closed, reopened, legacy, held])
        {
            await StateAsync(api, workspace, id, "close");
        }

        await StateAsync(api, workspace, reopened, "open");
        var tag = (await (await api.PostJsonAsync("tags", new { name = $"tag-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
        foreach (var id in (string[])[closed, held])
        {
            await (await api.PostJsonAsync($"conversations/{id}/tags", new { id = tag, admin_id = workspace.OwnerId })).JsonAsync();
        }

        await workspace.HoldAsync(LegalHoldTargets.Conversation, held);
        var closedAt = await workspace.ReadAsync(db => db.Conversations.Where(c => c.Id == closed).Select(c => c.ClosedAt).SingleAsync());
        Assert.NotNull(closedAt);
        Assert.Null(await workspace.ReadAsync(db => db.Conversations.Where(c => c.Id == reopened).Select(c => c.ClosedAt).SingleAsync()));
        // Closed before ClosedAt was recorded: its last change stands for it.
        await workspace.WriteAsync(db => db.Conversations.Where(c => c.Id == legacy).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClosedAt, (DateTimeOffset?)null)));
        var clock = new FakeTimeProvider(closedAt.Value);
        var rule = server.Rule<ClosedConversationRetentionRule>();

        clock.Advance(TimeSpan.FromDays(364));
        var dayBefore = workspace.Scope(clock.GetUtcNow(), 365);
        Assert.Equal(0, (await rule.PreviewAsync(dayBefore, 10, CancellationToken.None)).Count);
        Assert.Equal(0, await rule.RunAsync(dayBefore));

        clock.Advance(TimeSpan.FromDays(2));
        var dayAfter = workspace.Scope(clock.GetUtcNow(), 365);
        Assert.Equal(new[] { closed, legacy }.Order(), (await rule.PreviewAsync(dayAfter, 10, CancellationToken.None)).SampleIds.Order());
        // One conversation per batch, ten parts at most: the long one goes in several.
        Assert.Equal(2, await rule.RunAsync(dayAfter, batchSize: 1));

        var left = await workspace.ReadAsync(db => db.Conversations.Where(c => c.WorkspaceId == workspace.Id).Select(c => c.Id).ToListAsync());
        Assert.Equal(new[] { reopened, held, open }.Order(), left.Order());
        Assert.Equal(0, await workspace.ReadAsync(db => db.ConversationParts.CountAsync(p => p.ConversationId == closed || p.ConversationId == legacy)));
        Assert.Equal([held], await workspace.ReadAsync(db => db.ConversationTags.Where(t => t.TagId == tag).Select(t => t.ConversationId).ToListAsync()));
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
        await (await api.GetAsync($"conversations/{held}")).JsonAsync();
    }

    private static async Task<string> ConversationAsync(HttpClient api, TestWorkspace workspace, string contact, int replies = 0)
    {
        var id = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body = "a question" })).JsonAsync()).Str("conversation_id");
        for (var i = 0; i < replies; i++)
        {
            await (await api.PostJsonAsync($"conversations/{id}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = $"reply {i}" })).JsonAsync();
        }

        return id;
    }

    private static async Task StateAsync(HttpClient api, TestWorkspace workspace, string id, string messageType) =>
        await (await api.PostJsonAsync($"conversations/{id}/parts", new { message_type = messageType, type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
}
