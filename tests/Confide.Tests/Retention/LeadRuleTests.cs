using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Retention;

/// <summary>The lead rule: leads never converted, created (and unseen) for longer than the period, are erased in batches; users and held leads stay.</summary>
public sealed class LeadRuleTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Lead_OneDayPastThePeriod_IsErased_OneDayBefore_IsKept_AndUsersAndHeldLeadsStay(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var lead = await ContactAsync(api, "lead");
        var conversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "lead", id = lead }, body = "a question" })).JsonAsync()).Str("conversation_id");
        var user = await ContactAsync(api, "user");
        var held = await ContactAsync(api, "lead");
        await workspace.HoldAsync(LegalHoldTargets.Contact, held);
        var createdAt = await workspace.ReadAsync(db => db.Contacts.Where(c => c.Id == held).Select(c => c.CreatedAt).SingleAsync());
        var clock = new FakeTimeProvider(createdAt);
        var rule = server.Rule<LeadRetentionRule>();
        Assert.Equal(("lead", false), (rule.Subject, rule.BuiltIn));

        clock.Advance(TimeSpan.FromDays(179));
        var dayBefore = workspace.Scope(clock.GetUtcNow(), 180);
        Assert.Equal(0, (await rule.PreviewAsync(dayBefore, 10, CancellationToken.None)).Count);
        Assert.Equal(0, await rule.RunAsync(dayBefore));

        clock.Advance(TimeSpan.FromDays(2));
        var dayAfter = workspace.Scope(clock.GetUtcNow(), 180);
        Assert.Equal([lead], (await rule.PreviewAsync(dayAfter, 10, CancellationToken.None)).SampleIds);
        Assert.Equal(1, await rule.RunAsync(dayAfter));
        await VisitorRuleTests.AssertErasedAsync(workspace, [lead], [conversation]);
        await (await api.GetAsync($"contacts/{user}")).JsonAsync();
        await (await api.GetAsync($"contacts/{held}")).JsonAsync();
    }

    private static async Task<string> ContactAsync(HttpClient api, string role) =>
        (await (await api.PostJsonAsync("contacts", new { role, email = $"{role}-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
}
