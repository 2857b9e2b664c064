using System.Text.Json;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>
/// The conversation-part rule: parts older than the period go; each shortened conversation keeps
/// one tombstone that the API, the inbox page and the messenger show; the tombstone, an open
/// conversation's newest part and a held conversation stay.
/// </summary>
public sealed class ConversationPartRuleTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PartsOneDayPastThePeriod_AreDeleted_LeavingATombstoneEveryReaderShows(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var messenger = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await messenger.BootOkAsync();
        var open = await messenger.StartAsync("an old question");
        await ReplyAsync(api, workspace, open, "an old answer");
        await ReplyAsync(api, workspace, open, "the latest answer");
        var contact = await VisitorRuleTests.ContactOfAsync(workspace, open);
        var closed = (await (await api.PostJsonAsync("conversations", new { from = new { type = "lead", id = contact }, body = "closed long ago" })).JsonAsync()).Str("conversation_id");
        await (await api.PostJsonAsync($"conversations/{closed}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
        var held = (await (await api.PostJsonAsync("conversations", new { from = new { type = "lead", id = contact }, body = "held" })).JsonAsync()).Str("conversation_id");
        await ReplyAsync(api, workspace, held, "held reply");
        await workspace.HoldAsync(LegalHoldTargets.Conversation, held);
        var (first, last) = await workspace.ReadAsync(async db =>
        {
            var times = await db.ConversationParts.Where(p => p.WorkspaceId == workspace.Id).Select(p => p.CreatedAt).ToListAsync();
            return (times.Min(), times.Max());
        });
        var rule = server.Rule<ConversationPartRetentionRule>();

        var dayBefore = workspace.Scope(first.AddDays(364), 365);
        Assert.Equal(0, (await rule.PreviewAsync(dayBefore, 10, CancellationToken.None)).Count);
        Assert.Equal(0, await rule.RunAsync(dayBefore));

        var dayAfter = workspace.Scope(last.AddDays(366), 365);
        // The open conversation's two older parts, and both parts of the closed one.
        Assert.Equal(4, (await rule.PreviewAsync(dayAfter, 10, CancellationToken.None)).Count);
        Assert.Equal(4, await rule.RunAsync(dayAfter, batchSize: 3));
        Assert.Equal(0, await rule.RunAsync(dayAfter));

        var remaining = await workspace.ReadAsync(db => db.ConversationParts.Where(p => p.WorkspaceId == workspace.Id)
            .OrderBy(p => p.ConversationId).ThenBy(p => p.Sequence).Select(p => new { p.ConversationId, p.Sequence, p.PartType }).ToListAsync());
        Assert.Equal([(0, PartTypes.RetentionTombstone), (3, PartTypes.Comment)], remaining.Where(p => p.ConversationId == open).Select(p => (p.Sequence, p.PartType)));
        Assert.Equal([(0, PartTypes.RetentionTombstone)], remaining.Where(p => p.ConversationId == closed).Select(p => (p.Sequence, p.PartType)));
        Assert.Equal(2, remaining.Count(p => p.ConversationId == held));

        // The API: the tombstone stands for the opening message; the newest part is still there.
        var thread = await (await api.GetAsync($"conversations/{open}")).JsonAsync();
        Assert.Equal(RetentionTombstones.Text, thread.GetProperty("source").Str("body"));
        var parts = thread.GetProperty("conversation_parts").GetProperty("conversation_parts");
        Assert.Equal("the latest answer", Assert.Single(parts.EnumerateArray()).Str("body"));
        var list = await (await api.GetAsync("conversations")).JsonAsync();
        Assert.Contains(list.GetProperty("conversations").EnumerateArray(), c => c.Str("id") == closed && c.GetProperty("source").Str("body") == RetentionTombstones.Text);

        // The messenger and the inbox page show the notice.
        var messages = (await (await messenger.GetAsync($"conversations/{open}")).JsonAsync()).GetProperty("messages");
        Assert.Equal(("retention_tombstone", RetentionTombstones.Text), (messages[0].Str("kind"), messages[0].Str("body")));
        using var browser = server.Browser(Region.Eu, new System.Net.CookieContainer());
        await browser.PostPasswordAsync(workspace.OwnerEmail);
        Assert.Contains(RetentionTombstones.Text, await browser.HtmlAsync($"app/inbox/{closed}"), StringComparison.Ordinal);
    }

    private static async Task ReplyAsync(HttpClient api, TestWorkspace workspace, string conversation, string body) =>
        await (await api.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body })).JsonAsync();
}
