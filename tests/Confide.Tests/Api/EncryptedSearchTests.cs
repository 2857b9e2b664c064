using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Search;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confide.Tests.Api;

/// <summary>
/// Search over fields stored only encrypted (ADR 0015): contacts' name, email text and custom
/// attributes, conversations' opening message, subject and author. Keyed grams give candidates,
/// each candidate is decrypted and checked, so a result is always a true match; the tokens follow
/// every write, go with the contact's erasure, and never match across workspaces.
/// </summary>
public sealed class EncryptedSearchTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactSearch_EveryOperator_OnNameEmailAndCustomAttributes(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var ada = await ContactAsync(client, new { email = "ada@analytical.example", name = "Ada Lovelace", custom_attributes = new { plan = "Enterprise Gold", seats = 12, beta = true } });
        var grace = await ContactAsync(client, new { email = "grace@navy.example", name = "Grace Hopper", custom_attributes = new { plan = "Team", seats = 3, beta = false } });
        var anon = await ContactAsync(client, new { email = "anon@elsewhere.example" });
        async Task<string[]> Search(string field, string op, object? value) => await SearchAsync(client, "contacts/search", "data", new { field, @operator = op, value });

        Assert.Equal([ada], await Search("name", "~", "love"));
        Assert.Equal([ada], await Search("name", "~", "LOVELACE"));
        Assert.Equal([grace], await Search("name", "^", "gra"));
        Assert.Equal([grace], await Search("name", "^", "G"));
        Assert.Equal([grace], await Search("name", "$", "hopper"));
        Assert.Equal([grace], await Search("name", "$", "r"));
        Assert.Equal([ada], await Search("name", "=", " ada lovelace "));
        Assert.Equal(Sorted(grace, anon), await Search("name", "!=", "Ada Lovelace"));
        Assert.Equal(Sorted(ada, grace), await Search("name", "IN", new[] { "ada lovelace", "grace hopper", "nobody" }));
        Assert.Equal([anon], await Search("name", "NIN", new[] { "ada lovelace", "grace hopper" }));
        Assert.Equal(Sorted(grace, anon), await Search("name", "!~", "love"));
        Assert.Equal([anon], await Search("name", "=", null));
        Assert.Equal(Sorted(ada, grace), await Search("name", "!=", null));

        Assert.Equal([grace], await Search("email", "~", "navy"));
        Assert.Equal(Sorted(ada, grace, anon), await Search("email", "$", ".example"));
        Assert.Equal([ada], await Search("email", "^", "ada@"));
        Assert.Equal([grace], await Search("email", "=", "GRACE@navy.example"));
        Assert.Equal(Sorted(ada, anon), await Search("email", "!~", "navy"));

        Assert.Equal([ada], await Search("custom_attributes.plan", "~", "gold"));
        Assert.Equal([grace], await Search("custom_attributes.plan", "=", "team"));
        Assert.Equal([ada], await Search("custom_attributes.plan", "^", "enter"));
        Assert.Equal([ada], await Search("custom_attributes.seats", "=", 12));
        Assert.Equal([grace], await Search("custom_attributes.seats", "IN", new object[] { 3, "4" }));
        Assert.Equal([ada], await Search("custom_attributes.beta", "=", true));
        Assert.Equal([grace], await Search("custom_attributes.beta", "=", false));
        Assert.Empty(await Search("custom_attributes.unknown", "=", "x"));

        // An encrypted leaf combines with the rest of the query like any other filter.
        Assert.Equal([grace], await SearchAsync(client, "contacts/search", "data", new
        {
            @operator = "AND",
            value = new object[]
            {
                new { field = "email", @operator = "$", value = ".example" },
                new { @operator = "OR", value = new object[] { new { field = "name", @operator = "~", value = "hop" }, new { field = "custom_attributes.plan", @operator = "=", value = "nothing" } } },
            },
        }));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactSearch_NeverReturnsAValueWhoseGramsMatchButWhichDoesNotContainTheText(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        // "abc bcd" has the grams of "abcd" (abc, bcd) but does not contain it.
        var lookalike = await ContactAsync(client, new { role = "lead", name = "abc bcd" });
        var match = await ContactAsync(client, new { role = "lead", name = "xabcdx" });
        var search = await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "abcd" });
        Assert.Equal([match], search);
        Assert.DoesNotContain(lookalike, search);
        // Its start and end grams are there too, but it neither starts nor ends with "bc".
        Assert.Empty(await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "^", value = "bcd" }));
        Assert.Equal([lookalike], await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "$", value = "c bcd" }));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactSearch_PagesThroughVerifiedMatches_EachOnce(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var expected = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            expected.Add(await ContactAsync(client, new { role = "lead", name = $"Paged Person {i}" }));
        }

        await ContactAsync(client, new { role = "lead", name = "Someone Else" });
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.PostJsonAsync("contacts/search", new
            {
                query = new { field = "name", @operator = "~", value = "paged" },
                pagination = new { per_page = 2, starting_after = cursor },
            })).JsonAsync();
            Assert.Equal(5, page.GetProperty("total_count").GetInt32());
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
            var next = page.GetProperty("pages").GetProperty("next");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.Str("starting_after");
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(expected.Order(), seen.Order());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactSearch_RefusesShortTextsRangesAndTooManyCandidates_With400_NamingNoValue(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        await using var server = await TestServer.StartAsync(provider, settings: ["--Confide:Search:MaxCandidates=3"]);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        for (var i = 0; i < 4; i++)
        {
            await ContactAsync(client, new { role = "lead", name = $"Crowded {i}" });
        }

        var tooMany = await (await client.PostJsonAsync("contacts/search", new { query = new { field = "name", @operator = "~", value = "crowded" } }))
            .ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var message = tooMany.GetProperty("errors")[0].Str("message");
        Assert.Contains("too many", message, StringComparison.Ordinal);
        Assert.DoesNotContain("crowded", message, StringComparison.OrdinalIgnoreCase);
        Assert.Single(await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "crowded 2" }));

        object[] bad =
        [
            new { field = "name", @operator = "~", value = "ab" },
            new { field = "name", @operator = ">", value = "a" },
            new { field = "name", @operator = "~", value = 5 },
            new { field = "name", @operator = "~", value = (string?)null },
            new { field = "email", @operator = "^", value = "" },
            new { field = "custom_attributes.seats", @operator = ">", value = 3 },
            new { field = "custom_attributes.seats", @operator = "~", value = 3 },
            new { field = "custom_attributes.plan", @operator = "=", value = (string?)null },
            new { field = "custom_attributes.", @operator = "=", value = "x" },
            new { field = "name", @operator = "IN", value = Array.Empty<string>() },
        ];
        foreach (var query in bad)
        {
            await (await client.PostJsonAsync("contacts/search", new { query })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactUpdate_ReplacesItsTokens_AndOtherWorkspacesNeverMatch(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        using var otherClient = other.Client();
        var id = await ContactAsync(client, new { role = "lead", name = "Oldname Smith", custom_attributes = new { city = "Lisbon" } });
        var twin = await ContactAsync(otherClient, new { role = "lead", name = "Oldname Smith", custom_attributes = new { city = "Lisbon" } });
        var before = await TokensAsync(workspace, id);

        await (await client.PutAsJsonAsync($"contacts/{id}", new { name = "Newname Smith", custom_attributes = new { city = "Porto" } })).JsonAsync();
        Assert.Empty(await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "oldname" }));
        Assert.Empty(await SearchAsync(client, "contacts/search", "data", new { field = "custom_attributes.city", @operator = "=", value = "lisbon" }));
        Assert.Equal([id], await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "newname" }));
        Assert.Equal([id], await SearchAsync(client, "contacts/search", "data", new { field = "custom_attributes.city", @operator = "=", value = "porto" }));
        var after = await TokensAsync(workspace, id);
        Assert.NotEmpty(after);
        Assert.NotEqual(before.Order(), after.Order());
        Assert.Equal(after.Count, after.Distinct().Count());

        // The twin in the other workspace kept its values, and neither workspace sees the other's contact.
        Assert.Equal([twin], await SearchAsync(otherClient, "contacts/search", "data", new { field = "name", @operator = "~", value = "oldname" }));
        Assert.Empty(await SearchAsync(otherClient, "contacts/search", "data", new { field = "name", @operator = "~", value = "newname" }));
        // Equal values in two workspaces give unrelated tokens.
        Assert.Empty((await TokensAsync(other, twin)).Intersect(before));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Erasure_RemovesEveryTokenOfTheContact_AndItsConversations(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var canary = $"canary{Guid.NewGuid():N}"[..24];
        var subject = await ContactAsync(client, new { email = $"{canary}@example.com", name = canary, custom_attributes = new { note = canary } });
        var bystander = await ContactAsync(client, new { email = "bystander@example.com", name = "Bystander" });
        var conversation = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = subject }, body = $"Message {canary}", subject = canary })).JsonAsync()).Str("conversation_id");
        Assert.Equal([subject], await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = canary }));
        Assert.Equal([conversation], await SearchAsync(client, "conversations/search", "conversations", new { field = "source.body", @operator = "~", value = canary }));
        // The subject's own tokens: those no other contact of the workspace shares.
        var ownTokens = (await TokensAsync(workspace, subject)).Except(await workspace.ReadAsync(db => db.SearchTokens
            .Where(t => t.WorkspaceId == workspace.Id && t.ContactId != subject).Select(t => t.Token).ToListAsync())).ToList();
        Assert.NotEmpty(ownTokens);
        Assert.NotEmpty((await RawStorage.ReadAsync(server)).FindExact([ownTokens[0]])); // the scan's positive control

        await (await client.DeleteAsync($"contacts/{subject}")).JsonAsync();
        await client.WaitForPurgeAsync(subject);

        Assert.Empty(await TokensAsync(workspace, subject));
        Assert.Equal(0, await workspace.ReadAsync(db => db.SearchTokens.CountAsync(t => t.WorkspaceId == workspace.Id && (t.OwnerId == subject || t.OwnerId == conversation))));
        Assert.Empty(await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = canary }));
        Assert.Empty(await SearchAsync(client, "conversations/search", "conversations", new { field = "source.subject", @operator = "=", value = canary }));
        Assert.NotEmpty(await TokensAsync(workspace, bystander));
        if (provider == Providers.Sqlite)
        {
            // A page SQLite rebalanced may keep a stale copy of a row in its unused space, which
            // secure_delete does not reach; rewriting the file removes it (docs/security.md).
            await VacuumAsync(server.Cell(Region.Eu));
        }

        var left = (await RawStorage.ReadAsync(server)).FindExact(ownTokens);
        Assert.True(left.Count == 0, $"{left.Count} of an erased contact's search tokens are still in storage, e.g. " + string.Join("; ", left.Take(3)));
        var receipt = await workspace.ReadAsync(db => db.ErasureReceipts.Where(r => r.WorkspaceId == workspace.Id).OrderByDescending(r => r.Id).Select(r => r.Categories).FirstAsync());
        Assert.True(JsonDocument.Parse(receipt).RootElement.GetProperty(ErasedCategories.SearchTokens).GetInt64() > 0);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ConversationSearch_OnBodySubjectAndAuthor(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        using var otherClient = other.Client();
        var ada = await ContactAsync(client, new { email = "ada@analytical.example", name = "Ada Lovelace" });
        var bob = await ContactAsync(client, new { email = "bob@builder.example", name = "Bob" });
        var refund = await ConversationAsync(client, ada, "I would like a refund for order 4711, please.", "Refund request");
        var invoice = await ConversationAsync(client, bob, "Where is my invoice? Order 4712.", null);
        var lookalike = await ConversationAsync(client, bob, "fun ref", "Other");
        await ConversationAsync(otherClient, await ContactAsync(otherClient, new { email = "ada@analytical.example" }), "I would like a refund too", "Refund request");
        async Task<string[]> Search(string field, string op, object? value) => await SearchAsync(client, "conversations/search", "conversations", new { field, @operator = op, value });

        Assert.Equal([refund], await Search("source.body", "~", "refund"));
        Assert.Equal(Sorted(refund, invoice), await Search("source.body", "~", "order 471"));
        Assert.Equal([invoice], await Search("source.body", "^", "where is"));
        Assert.Equal([refund], await Search("source.body", "$", "please."));
        Assert.Equal(Sorted(invoice, lookalike), await Search("source.body", "!~", "refund"));
        Assert.Equal([refund], await Search("source.subject", "^", "refund"));
        Assert.Equal([refund], await Search("title", "=", "refund request"));
        Assert.Equal([invoice], await Search("title", "=", null));
        Assert.Equal([refund], await Search("source.author.email", "~", "analytical"));
        Assert.Equal(Sorted(invoice, lookalike), await Search("source.author.name", "=", "bob"));
        Assert.Equal([invoice], await SearchAsync(client, "conversations/search", "conversations", new
        {
            @operator = "AND",
            value = new object[] { new { field = "source.author.email", @operator = "^", value = "bob" }, new { field = "source.body", @operator = "~", value = "invoice" } },
        }));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Backfill_IndexesRecordsWrittenWithoutTokens(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ContactAsync(client, new { role = "lead", name = "Backfilled Person" });
        var conversation = await ConversationAsync(client, contact, "An old message from before the index", null);
        var attributed = await ConversationAsync(client, contact, "A second conversation, with attributes", null);
        await (await client.PutAsJsonAsync($"conversations/{attributed}", new { custom_attributes = new { topic = "Legacy attribute" } })).JsonAsync();
        await workspace.WriteAsync(db => db.SearchTokens.Where(t => t.WorkspaceId == workspace.Id && t.ContactId == contact).ExecuteDeleteAsync());
        Assert.Empty(await SearchAsync(client, "conversations/search", "conversations", new { field = "custom_attributes.topic", @operator = "~", value = "legacy" }));
        Assert.Empty(await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "backfilled" }));

        var cell = server.Cell(Region.Eu);
        var jobs = server.Services.GetRequiredService<JobQueue>();
        await SearchBackfillJob.EnqueueIfNeededAsync(jobs, cell, CancellationToken.None);
        await Poll.UntilAsync(
            () => SearchAsync(client, "conversations/search", "conversations", new { field = "source.body", @operator = "~", value = "old message" }),
            found => found.Length == 1, TimeSpan.FromSeconds(60), "the backfill to index the conversation");
        Assert.Equal([contact], await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "backfilled" }));
        Assert.Equal([conversation], await SearchAsync(client, "conversations/search", "conversations", new { field = "source.body", @operator = "~", value = "old message" }));
        Assert.Equal([attributed], await SearchAsync(client, "conversations/search", "conversations", new { field = "custom_attributes.topic", @operator = "~", value = "legacy" }));
        Assert.Equal([attributed], await SearchAsync(client, "conversations/search", "conversations", new { field = "source.body", @operator = "^", value = "a second" }));
    }

    /// <summary>
    /// The search key derives from the lookup-index key, which neither rotation changes: after the
    /// workspace's data key and the contact's key are rotated (values resealed), the tokens still
    /// find the values and the new ciphertexts verify them.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task KeyRotations_LeaveTheTokensValid(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ContactAsync(client, new { role = "lead", name = "Rotated Person" });
        var conversation = await ConversationAsync(client, contact, "A message sealed before the rotation", "Rotation subject");
        var before = await TokensAsync(workspace, contact);
        var cell = server.Cell(Region.Eu);
        var contactKeys = server.Services.GetRequiredService<Confide.Crypto.ContactKeyRing>();
        await new Confide.Crypto.WorkspaceDataKeyRotation(server.Services.GetRequiredService<Confide.Crypto.WorkspaceKeyRing>(), contactKeys, TimeProvider.System) { GracePeriod = TimeSpan.FromMilliseconds(50) }
            .RunAsync(cell, workspace.Id, null, CancellationToken.None);
        await new Confide.Messaging.ContactKeyRotation(contactKeys, TimeProvider.System) { GracePeriod = TimeSpan.FromMilliseconds(50) }
            .RunAsync(cell, workspace.Id, contact, null, CancellationToken.None);

        Assert.Equal(before.Order(), (await TokensAsync(workspace, contact)).Order());
        Assert.Equal([contact], await SearchAsync(client, "contacts/search", "data", new { field = "name", @operator = "~", value = "rotated" }));
        Assert.Equal([conversation], await SearchAsync(client, "conversations/search", "conversations", new { field = "source.body", @operator = "~", value = "sealed before" }));
    }

    [Fact]
    public void Grams_FrameTheValue_AndQueriesAskOnlyForGramsEveryMatchHas()
    {
        var grams = SearchText.Grams(SearchText.Normalize("  ÅDA  "), 255).ToHashSet();
        Assert.Equal(new[] { "\u0002å", "\u0002åd", "åda", "da\u0003", "a\u0003" }.Order(StringComparer.Ordinal), grams.Order(StringComparer.Ordinal));
        Assert.Subset(grams, SearchText.ContainsGrams("åda").ToHashSet());
        Assert.Subset(grams, SearchText.StartsWithGrams("å").ToHashSet());
        Assert.Subset(grams, SearchText.StartsWithGrams("åd").ToHashSet());
        Assert.Subset(grams, SearchText.EndsWithGrams("a").ToHashSet());
        Assert.Subset(grams, SearchText.EndsWithGrams("da").ToHashSet());
        // A surrogate pair is one character; case folding covers more than ASCII.
        Assert.Equal(3, SearchText.Length("a😀b"));
        Assert.Equal("ärger", SearchText.Normalize(" ÄRGER "));
        // A value longer than what is indexed has no end grams: it is never a candidate for $.
        var longValue = new string('x', 300) + "end";
        Assert.DoesNotContain("nd\u0003", SearchText.Grams(longValue, 255));
        Assert.False(SearchText.Matches(longValue, "$", "end", 255));
        Assert.False(SearchText.Matches(longValue, "~", "end", 255));
    }

    private static string[] Sorted(params string[] ids) => [.. ids.Order()];

    private static async Task<string> ContactAsync(HttpClient client, object body) =>
        (await (await client.PostJsonAsync("contacts", body)).JsonAsync()).Str("id");

    private static async Task<string> ConversationAsync(HttpClient client, string contact, string body, string? subject) =>
        (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body, subject })).JsonAsync()).Str("conversation_id");

    private static async Task<string[]> SearchAsync(HttpClient client, string path, string list, object query)
    {
        var result = await (await client.PostJsonAsync(path, new { query, pagination = new { per_page = 150 } })).JsonAsync();
        return [.. result.GetProperty(list).EnumerateArray().Select(c => c.Str("id")).Order()];
    }

    /// <summary>What <c>confide cells vacuum</c> runs on a SQLite cell (its own test: CellsCommandTests).</summary>
    private static async Task VacuumAsync(CellDatabase cell) =>
        Assert.True((await SqliteCellVacuum.RunAsync(cell, NullLogger.Instance, CancellationToken.None)).Scrubbed, "The write-ahead log stayed busy.");

    private static Task<List<string>> TokensAsync(TestWorkspace workspace, string contactId) =>
        workspace.ReadAsync(db => db.SearchTokens.Where(t => t.WorkspaceId == workspace.Id && t.ContactId == contactId).Select(t => t.Token).ToListAsync());
}
