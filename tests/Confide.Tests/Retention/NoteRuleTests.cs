using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Retention;

/// <summary>The note rule: teammates' notes older than the period are deleted; the contact stays, and a held contact keeps its notes.</summary>
public sealed class NoteRuleTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task NoteOneDayPastThePeriod_IsDeleted_OneDayBefore_IsKept_AndAHeldContactKeepsItsNotes(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = await ContactAsync(api);
        var heldContact = await ContactAsync(api);
        var note = await NoteAsync(api, workspace, contact);
        var kept = await NoteAsync(api, workspace, heldContact);
        await workspace.HoldAsync(LegalHoldTargets.Contact, heldContact);
        var createdAt = await workspace.ReadAsync(db => db.Notes.Where(n => n.Id == kept).Select(n => n.CreatedAt).SingleAsync());
        var clock = new FakeTimeProvider(createdAt);
        var rule = server.Rule<NoteRetentionRule>();

        clock.Advance(TimeSpan.FromDays(364));
        var dayBefore = workspace.Scope(clock.GetUtcNow(), 365);
        Assert.Equal(0, (await rule.PreviewAsync(dayBefore, 10, CancellationToken.None)).Count);
        Assert.Equal(0, await rule.RunAsync(dayBefore));

        clock.Advance(TimeSpan.FromDays(2));
        var dayAfter = workspace.Scope(clock.GetUtcNow(), 365);
        Assert.Equal([note], (await rule.PreviewAsync(dayAfter, 10, CancellationToken.None)).SampleIds);
        Assert.Equal(1, await rule.RunAsync(dayAfter));
        var left = await workspace.ReadAsync(db => db.Notes.Where(n => n.WorkspaceId == workspace.Id).Select(n => n.Id).ToListAsync());
        Assert.Equal([kept], left);
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
    }

    private static async Task<string> ContactAsync(HttpClient api) =>
        (await (await api.PostJsonAsync("contacts", new { role = "user", email = $"n-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");

    private static async Task<string> NoteAsync(HttpClient api, TestWorkspace workspace, string contact) =>
        (await (await api.PostJsonAsync($"contacts/{contact}/notes", new { body = "a note", admin_id = workspace.OwnerId })).JsonAsync()).Str("id");
}
