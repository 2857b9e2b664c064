using System.Net;
using System.Net.Http.Json;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Api;

/// <summary>
/// Conversations' custom attributes, sealed under the contact's key, searched through the
/// encrypted-field index (ADR 0015) with the operators of contacts' custom attributes: their
/// tokens follow every change, and go with the conversation, with its contact's erasure, and move
/// with its contact's merge.
/// </summary>
public sealed class ConversationAttributeSearchTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Search_EveryOperatorFamily_FollowsChanges_AndErasure(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        foreach (var (name, type) in new[] { ("plan", "string"), ("seats", "integer"), ("vip", "boolean") })
        {
            await (await client.PostJsonAsync("data_attributes", new { name, model = "conversation", data_type = type })).JsonAsync();
        }

        var ada = await ContactAsync(client, new { email = "ada@analytical.example", name = "Ada" });
        var bob = await ContactAsync(client, new { email = "bob@builder.example", name = "Bob" });
        var gold = await ConversationAsync(client, ada, "About my plan");
        var team = await ConversationAsync(client, bob, "About my team");
        var bare = await ConversationAsync(client, bob, "No attributes here");
        await SetAsync(client, gold, new { plan = "Enterprise Gold", seats = 12, vip = true });
        await SetAsync(client, team, new { plan = "Team", seats = 3, vip = false });
        async Task<string[]> Search(string field, string op, object? value) => await SearchAsync(client, new { field, @operator = op, value });

        Assert.Equal([gold], await Search("custom_attributes.plan", "~", "GOLD"));
        Assert.Equal(Sorted(team, bare), await Search("custom_attributes.plan", "!~", "gold"));
        Assert.Equal([gold], await Search("custom_attributes.plan", "^", "enter"));
        Assert.Equal([gold], await Search("custom_attributes.plan", "$", "gold"));
        Assert.Equal([team], await Search("custom_attributes.plan", "=", " team "));
        Assert.Equal(Sorted(gold, bare), await Search("custom_attributes.plan", "!=", "team"));
        Assert.Equal(Sorted(gold, team), await Search("custom_attributes.plan", "IN", new[] { "team", "enterprise gold", "nothing" }));
        Assert.Equal([bare], await Search("custom_attributes.plan", "NIN", new[] { "team", "enterprise gold" }));
        Assert.Equal([gold], await Search("custom_attributes.seats", "=", 12));
        Assert.Equal([team], await Search("custom_attributes.seats", "IN", new object[] { 3, "4" }));
        Assert.Equal([gold], await Search("custom_attributes.seats", "=", 12.0));
        Assert.Equal([gold], await Search("custom_attributes.vip", "=", true));
        Assert.Equal([team], await Search("custom_attributes.vip", "=", false));
        // The encrypted filter combines with the conversation's own fields; a conversation without the attribute is not equal to a value.
        Assert.Equal(Sorted(team, bare), await SearchAsync(client, new
        {
            @operator = "AND",
            value = new object[] { new { field = "contact_ids", @operator = "=", value = bob }, new { field = "custom_attributes.plan", @operator = "!=", value = "gold" } },
        }));

        // A changed value is found by its new text only; the unchanged ones still are.
        await SetAsync(client, gold, new { plan = "Starter" });
        Assert.Empty(await Search("custom_attributes.plan", "~", "gold"));
        Assert.Equal([gold], await Search("custom_attributes.plan", "=", "starter"));
        Assert.Equal([gold], await Search("custom_attributes.seats", "=", 12));

        // Erasing Ada erases her conversation's tokens; Bob's are still found.
        Assert.NotEqual(0, await TokenCountAsync(workspace, gold));
        await (await client.DeleteAsync($"contacts/{ada}")).JsonAsync();
        await client.WaitForPurgeAsync(ada);
        Assert.Equal(0, await TokenCountAsync(workspace, gold));
        Assert.Equal(0, await workspace.ReadAsync(db => db.SearchTokens.CountAsync(t => t.WorkspaceId == workspace.Id && t.ContactId == ada)));
        Assert.Empty(await Search("custom_attributes.seats", "=", 12));
        Assert.Equal([team], await Search("custom_attributes.plan", "=", "team"));
        Assert.Equal([team], await Search("custom_attributes.vip", "=", false));

        object[] bad =
        [
            new { field = "custom_attributes.unknown", @operator = "=", value = "x" },
            new { field = "custom_attributes.plan", @operator = ">", value = "a" },
            new { field = "custom_attributes.plan", @operator = "<=", value = "z" },
            new { field = "custom_attributes.plan", @operator = "~", value = "ab" },
            new { field = "custom_attributes.plan", @operator = "=", value = (string?)null },
            new { field = "custom_attributes.seats", @operator = "~", value = 3 },
            new { field = "custom_attributes.", @operator = "=", value = "x" },
            new { field = "custom_attributes.plan", @operator = "IN", value = Array.Empty<string>() },
        ];
        foreach (var query in bad)
        {
            var error = await (await client.PostJsonAsync("conversations/search", new { query })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
            Assert.DoesNotContain("Team", error.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Tokens_GoWithTheConversation_AndMoveWithAMerge(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var lead = await ContactAsync(client, new { role = "lead", name = "Lena Lead" });
        var user = await ContactAsync(client, new { email = "ulla@user.example", name = "Ulla User" });
        var leads = await ConversationAsync(client, lead, "Asked before signing up");
        var doomed = await ConversationAsync(client, user, "To be deleted");
        await SetAsync(client, leads, new { topic = "Pricing question" });
        await SetAsync(client, doomed, new { topic = "Pricing too" });

        await (await client.DeleteAsync($"conversations/{doomed}")).JsonAsync();
        Assert.Equal(0, await TokenCountAsync(workspace, doomed));

        await (await client.PostJsonAsync("contacts/merge", new { from = lead, into = user })).JsonAsync();
        Assert.Equal([leads], await SearchAsync(client, new { field = "custom_attributes.topic", @operator = "~", value = "pricing" }));
        Assert.Equal(0, await workspace.ReadAsync(db => db.SearchTokens.CountAsync(t => t.WorkspaceId == workspace.Id && t.OwnerId == leads && t.ContactId != user)));
        // Re-sealed under the user's key: the value still opens, and a change replaces the moved tokens.
        var conversation = await (await client.GetAsync($"conversations/{leads}")).JsonAsync();
        Assert.Equal("Pricing question", conversation.GetProperty("custom_attributes").Str("topic"));
        await SetAsync(client, leads, new { topic = "Billing" });
        Assert.Empty(await SearchAsync(client, new { field = "custom_attributes.topic", @operator = "~", value = "pricing" }));
        Assert.Equal([leads], await SearchAsync(client, new { field = "custom_attributes.topic", @operator = "=", value = "billing" }));
    }

    private static string[] Sorted(params string[] ids) => [.. ids.Order()];

    private static async Task<string> ContactAsync(HttpClient client, object body) =>
        (await (await client.PostJsonAsync("contacts", body)).JsonAsync()).Str("id");

    private static async Task<string> ConversationAsync(HttpClient client, string contact, string body) =>
        (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body })).JsonAsync()).Str("conversation_id");

    private static async Task SetAsync(HttpClient client, string conversation, object attributes) =>
        await (await client.PutAsJsonAsync($"conversations/{conversation}", new { custom_attributes = attributes })).JsonAsync();

    private static async Task<string[]> SearchAsync(HttpClient client, object query)
    {
        var result = await (await client.PostJsonAsync("conversations/search", new { query, pagination = new { per_page = 150 } })).JsonAsync();
        return [.. result.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")).Order()];
    }

    private static Task<int> TokenCountAsync(TestWorkspace workspace, string conversation) =>
        workspace.ReadAsync(db => db.SearchTokens.CountAsync(t => t.WorkspaceId == workspace.Id && t.OwnerId == conversation));
}
