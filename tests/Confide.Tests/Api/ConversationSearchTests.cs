using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Api;

/// <summary>
/// <c>POST /conversations/search</c>: Intercom's query language over the conversation's columns,
/// its parts, its tags and its priority, paged by cursor; fields stored only encrypted, unknown
/// fields and malformed queries are a 400 naming the field, never a 500 or a 405.
/// </summary>
public sealed class ConversationSearchTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Search_PagesThroughEveryMatchOnce_NewestFirst(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ContactAsync(client, "pages");
        var other = await ContactAsync(client, "elsewhere");
        var ids = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await ConversationAsync(client, contact));
        }

        await ConversationAsync(client, other);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.PostJsonAsync("conversations/search", new
            {
                query = new { field = "contact_ids", @operator = "=", value = contact },
                pagination = new { per_page = 2, starting_after = cursor },
            })).JsonAsync();
            Assert.Equal("conversation.list", page.Str("type"));
            Assert.Equal(5, page.GetProperty("total_count").GetInt32());
            Assert.Equal((2, 3), (page.GetProperty("pages").GetProperty("per_page").GetInt32(), page.GetProperty("pages").GetProperty("total_pages").GetInt32()));
            seen.AddRange(page.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")));
            var next = page.GetProperty("pages").GetProperty("next");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.Str("starting_after");
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(seen.OrderDescending(), seen);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Search_MatchesFieldsPartsTagsAndNestedAndOr(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var ada = await ContactAsync(client, "ada");
        var bob = await ContactAsync(client, "bob");
        var owner = workspace.OwnerId;

        // tagged: Ada's, open, tagged and a priority. closed: Ada's, closed and read.
        // assigned: Bob's, assigned to the owner. answered: Bob's, with an admin reply.
        var tagged = await ConversationAsync(client, ada);
        var closed = await ConversationAsync(client, ada);
        var assigned = await ConversationAsync(client, bob);
        var answered = await ConversationAsync(client, bob);
        var vip = (await (await client.PostJsonAsync("tags", new { name = $"vip-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
        await (await client.PostJsonAsync($"conversations/{tagged}/tags", new { id = vip, admin_id = owner })).JsonAsync();
        var prioritised = await (await client.PutAsJsonAsync($"conversations/{tagged}", new { priority = "priority" })).JsonAsync();
        Assert.Equal("priority", prioritised.Str("priority"));
        await (await client.PostJsonAsync($"conversations/{closed}/parts", new { message_type = "close", type = "admin", admin_id = owner })).JsonAsync();
        await (await client.PutAsJsonAsync($"conversations/{closed}", new { read = true })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{assigned}/parts", new { message_type = "assignment", type = "admin", admin_id = owner, assignee_id = owner })).JsonAsync();
        await (await client.PostJsonAsync($"conversations/{answered}/reply", new { message_type = "comment", type = "admin", admin_id = owner, body = "On it" })).JsonAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string[] all = [tagged, closed, assigned, answered];

        async Task<string[]> Search(object query)
        {
            var result = await (await client.PostJsonAsync("conversations/search", new { query })).JsonAsync();
            var found = result.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")).ToArray();
            Assert.Equal(found.Length, result.GetProperty("total_count").GetInt32());
            return [.. found.Order()];
        }

        string[] Of(params string[] ids) => [.. ids.Order()];

        Assert.Equal(Of(tagged, assigned), await Search(new
        {
            @operator = "AND",
            value = new object[]
            {
                new { field = "open", @operator = "=", value = true },
                new
                {
                    @operator = "OR",
                    value = new object[]
                    {
                        new { field = "tag_ids", @operator = "=", value = vip },
                        new { field = "admin_assignee_id", @operator = "=", value = owner },
                    },
                },
            },
        }));
        Assert.Equal(Of(tagged, closed), await Search(new { field = "contact_ids", @operator = "IN", value = new[] { ada } }));
        Assert.Equal(Of(assigned, answered), await Search(new { field = "contact_ids", @operator = "NIN", value = new[] { ada } }));
        Assert.Equal(Of(closed), await Search(new { field = "state", @operator = "=", value = "closed" }));
        Assert.Equal(Of(closed), await Search(new { field = "read", @operator = "=", value = true }));
        Assert.Equal(Of(tagged), await Search(new { field = "priority", @operator = "=", value = "priority" }));
        Assert.Equal(Of(closed, assigned, answered), await Search(new { field = "priority", @operator = "!=", value = "priority" }));
        Assert.Equal(Of(closed, assigned, answered), await Search(new { field = "tag_ids", @operator = "!=", value = vip }));
        Assert.Equal(Of(tagged, closed, answered), await Search(new { field = "admin_assignee_id", @operator = "=", value = (string?)null }));
        // Teammates are those who wrote a part: a close, an assignment and a reply.
        Assert.Equal(Of(closed, assigned, answered), await Search(new { field = "teammate_ids", @operator = "=", value = owner }));
        Assert.Equal(Of(assigned, answered), await Search(new { field = "source.author.id", @operator = "=", value = bob }));
        Assert.Equal(Of(all), await Search(new { field = "source.type", @operator = "=", value = "conversation" }));
        Assert.Empty(await Search(new { field = "source.type", @operator = "=", value = "email" }));
        Assert.Equal(Of(all), await Search(new { field = "snoozed_until", @operator = "=", value = (string?)null }));
        Assert.Empty(await Search(new { field = "waiting_since", @operator = ">", value = 0 }));
        Assert.Equal(Of(all), await Search(new { field = "created_at", @operator = ">", value = now - 3600 }));
        Assert.Empty(await Search(new { field = "updated_at", @operator = "<", value = now - 3600 }));
        // The last second a timestamp can name is a bound like any other.
        Assert.Equal(Of(all), await Search(new { field = "created_at", @operator = "<=", value = 253402300799 }));
        Assert.Empty(await Search(new { field = "created_at", @operator = "=", value = 253402300799 }));
        Assert.Equal(Of(answered), await Search(new { field = "statistics.last_admin_reply_at", @operator = ">=", value = now - 3600 }));
        Assert.Equal(Of(answered), await Search(new { field = "statistics.first_admin_reply_at", @operator = "<", value = now + 3600 }));
        // Without an admin reply, a conversation's first one is null: it differs from every timestamp.
        Assert.Equal(Of(all), await Search(new { field = "statistics.first_admin_reply_at", @operator = "!=", value = now + 3600 }));
        Assert.Equal(Of(closed), await Search(new { field = "statistics.last_close_at", @operator = "<=", value = now + 3600 }));
        Assert.Equal(Of(all), await Search(new { field = "statistics.first_contact_reply_at", @operator = "<", value = now + 3600 }));
        Assert.Empty(await Search(new { field = "statistics.first_contact_reply_at", @operator = ">", value = now + 3600 }));
        Assert.Equal(Of(assigned), await Search(new { field = "statistics.count_assignments", @operator = ">", value = 0 }));
        Assert.Equal(Of(tagged), await Search(new { field = "statistics.count_conversation_parts", @operator = "=", value = 0 }));
        Assert.Equal(Of(tagged, answered), await Search(new
        {
            @operator = "OR",
            value = new object[]
            {
                new { @operator = "AND", value = new object[] { new { field = "contact_ids", @operator = "=", value = ada }, new { field = "open", @operator = "=", value = true } } },
                new { @operator = "AND", value = new object[] { new { field = "contact_ids", @operator = "=", value = bob }, new { field = "admin_assignee_id", @operator = "=", value = (string?)null } } },
            },
        }));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Search_RefusesEncryptedUnknownAndMalformedQueries_With400(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        await ConversationAsync(client, await ContactAsync(client, "bad"));

        await (await client.PostJsonAsync("conversations/search", new { })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        // Encrypted fields are searchable (EncryptedSearchTests), within their operators.
        foreach (var field in new[] { "source.body", "source.author.email", "source.subject", "title" })
        {
            var refused = await (await client.PostJsonAsync("conversations/search", new { query = new { field, @operator = ">", value = "help" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
            Assert.Contains("cannot be compared by range", refused.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        }

        var deep = new { field = "open", @operator = "=", value = true };
        object[] bad =
        [
            new { query = new { field = "password", @operator = "=", value = "x" } },
            new { query = new { field = "statistics.time_to_admin_reply", @operator = ">", value = 5 } },
            new { query = new { field = "custom_attributes.plan", @operator = ">", value = "pro" } },
            new { query = new { field = "open", @operator = "=", value = "maybe" } },
            new { query = new { field = "open", @operator = ">", value = true } },
            new { query = new { field = "created_at", @operator = ">", value = "yesterday" } },
            new { query = new { field = "created_at", @operator = "~", value = 5 } },
            new { query = new { field = "priority", @operator = "=", value = "urgent" } },
            new { query = new { field = "tag_ids", @operator = "IN", value = Array.Empty<string>() } },
            new { query = new { field = "state", @operator = "^", value = "op" } },
            new { query = new { field = "statistics.count_assignments", @operator = ">", value = "many" } },
            new { query = new { @operator = "XOR", value = new[] { deep } } },
            new { query = new { @operator = "AND", value = new object[] { new { @operator = "OR", value = new object[] { new { @operator = "AND", value = new[] { deep } } } } } } },
            new { query = deep, pagination = new { per_page = 1000 } },
            new { query = deep, pagination = new { starting_after = "not-a-cursor" } },
        ];
        foreach (var body in bad)
        {
            await (await client.PostJsonAsync("conversations/search", body)).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        await (await client.PostRawAsync("conversations/search", "{\"query\": {\"field\": \"state\", \"operator\": \"=\", \"value\": \"\\ud800\"}}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RoutesThatCollidedWithIdRoutes_AnswerThemselves_Not405(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var search = await (await client.PostJsonAsync("conversations/search", new { query = new { field = "open", @operator = "=", value = true } })).JsonAsync();
        Assert.Equal(0, search.GetProperty("total_count").GetInt32());
        // The merge answers itself: unknown contacts are a 404 of the merge, not a 405 of /contacts/{id}.
        var merge = await (await client.PostJsonAsync("contacts/merge", new { from = "a", into = "b" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain("not supported", merge.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
    }

    internal static async Task<string> ContactAsync(HttpClient client, string name) =>
        (await (await client.PostJsonAsync("contacts", new { email = $"{name}-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");

    internal static async Task<string> ConversationAsync(HttpClient client, string contactId) =>
        (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "A question" })).JsonAsync()).Str("conversation_id");
}
