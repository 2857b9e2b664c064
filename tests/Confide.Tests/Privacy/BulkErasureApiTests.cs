using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Erasure;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Privacy;

/// <summary>
/// <c>POST /confide/contacts/bulk_delete</c>: a dry run only counts; the real run sends every
/// contact through the one erasure path (its own log entry, request and receipt) and records the
/// counts once; another workspace's contacts are never touched; the cap and bad bodies are 400s.
/// Also <c>POST /confide/privacy_requests/{id}/erase</c>, the privacy centre's "Erase now".
/// </summary>
public sealed class BulkErasureApiTests(Servers servers)
{
    private const string Route = "confide/contacts/bulk_delete";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ByIds_ADryRunOnlyCounts_ThenEachContactIsErased_AndAnotherWorkspacesIdsAreSkipped(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var emails = Enumerable.Range(0, 3).Select(_ => $"bulk-{Guid.NewGuid():N}@example.com").ToList();
        var ids = new List<string>();
        foreach (var email in emails)
        {
            ids.Add(await ContactAsync(api, new { email }));
        }

        var foreign = await ContactAsync(otherApi, new { email = emails[0] });
        string[] given = [.. ids, foreign, "no-such-contact", ids[0]];

        var dryRun = await (await api.PostJsonAsync(Route, new { ids = given, dry_run = true })).JsonAsync();
        Assert.Equal(("contact_bulk_deletion", true, "ids"), (dryRun.Str("type"), dryRun.GetProperty("dry_run").GetBoolean(), dryRun.Str("selected_by")));
        Assert.Equal((5, 3, 0, 2), Counts(dryRun));
        Assert.DoesNotContain(ids[0], dryRun.GetRawText(), StringComparison.Ordinal);
        foreach (var id in ids)
        {
            await (await api.GetAsync($"contacts/{id}")).JsonAsync();
        }

        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactsBulkDeletion);

        var erased = await (await api.PostJsonAsync(Route, new { ids = given, dry_run = false })).JsonAsync();
        Assert.False(erased.GetProperty("dry_run").GetBoolean());
        Assert.Equal((5, 3, 3, 2), Counts(erased));
        foreach (var id in ids)
        {
            await (await api.GetAsync($"contacts/{id}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        }

        // Never erased: the other workspace's contact, though its id was given.
        Assert.Equal(foreign, (await (await otherApi.GetAsync($"contacts/{foreign}")).JsonAsync()).Str("id"));

        // Each erasure is an erasure like any other: its entry, its completed request and its receipt.
        foreach (var id in ids)
        {
            var request = await Poll.UntilAsync(() => ErasureRequestAsync(server, workspace.Id, id), r => r is { State: PrivacyRequestStates.Completed }, Wait, $"the erasure request of {id}");
            using var receipt = await api.GetAsync($"confide/privacy_requests/{request!.Id}/receipt");
            Assert.Equal(HttpStatusCode.OK, receipt.StatusCode);
        }

        var entries = await ActivityLogTests.AllEntriesAsync(api);
        Assert.Equal(ids.Order(StringComparer.Ordinal), entries.Where(e => e.Str("activity_type") == ActivityTypes.ContactDeletion).Select(e => e.GetProperty("target").Str("id")).Order(StringComparer.Ordinal));
        var bulk = Assert.Single(entries, e => e.Str("activity_type") == ActivityTypes.ContactsBulkDeletion);
        var metadata = bulk.GetProperty("metadata");
        Assert.Equal(("ids", 5, 3, 3, 2, true), (metadata.Str("selected_by"), metadata.GetProperty("requested").GetInt32(), metadata.GetProperty("matched").GetInt32(),
            metadata.GetProperty("erased").GetInt32(), metadata.GetProperty("skipped").GetInt32(), metadata.GetProperty("finished").GetBoolean()));
        Assert.Equal(workspace.OwnerId, bulk.GetProperty("performed_by").Str("id"));
        Assert.All(ids.Concat(emails), personal => Assert.DoesNotContain(personal, bulk.GetRawText(), StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(otherApi), e => e.Str("activity_type") is ActivityTypes.ContactDeletion or ActivityTypes.ContactsBulkDeletion);

        // Again: nothing left to erase, everything skipped.
        Assert.Equal((5, 0, 0, 5), Counts(await (await api.PostJsonAsync(Route, new { ids = given, dry_run = false })).JsonAsync()));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ByQuery_ErasesExactlyTheContactsTheSearchMatches(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var leads = new[] { await ContactAsync(api, new { role = "lead", name = "Lead one" }), await ContactAsync(api, new { role = "lead", name = "Lead two" }) };
        var user = await ContactAsync(api, new { email = $"stays-{Guid.NewGuid():N}@example.com" });
        var otherLead = await ContactAsync(otherApi, new { role = "lead", name = "Someone else's lead" });
        var query = new { field = "role", @operator = "=", value = "lead" };

        // The same query as POST /contacts/search: the dry run's count is the search's.
        var searched = await (await api.PostJsonAsync("contacts/search", new { query })).JsonAsync();
        var dryRun = await (await api.PostJsonAsync(Route, new { query, dry_run = true })).JsonAsync();
        Assert.Equal(searched.GetProperty("total_count").GetInt32(), dryRun.GetProperty("matched").GetInt32());
        Assert.Equal(("query", (2, 2, 0, 0)), (dryRun.Str("selected_by"), Counts(dryRun)));

        Assert.Equal((2, 2, 2, 0), Counts(await (await api.PostJsonAsync(Route, new { query, dry_run = false })).JsonAsync()));
        foreach (var lead in leads)
        {
            await (await api.GetAsync($"contacts/{lead}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        }

        await (await api.GetAsync($"contacts/{user}")).JsonAsync();
        await (await otherApi.GetAsync($"contacts/{otherLead}")).JsonAsync();
        var bulk = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactsBulkDeletion);
        Assert.Equal("query", bulk.GetProperty("metadata").Str("selected_by"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MoreThanTheCap_IsA400_ThatSaysToNarrowOrSplit_AndErasesNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var kept = await ContactAsync(api, new { role = "lead", name = "Kept" });
        // Rows enough to pass the cap, written directly: the query only counts them before refusing.
        var now = DateTimeOffset.UtcNow;
        await server.Cell(Region.Eu).Writer.WriteAsync((db, _) =>
        {
            db.Contacts.AddRange(Enumerable.Range(0, ContactBulkErasure.MaxContacts).Select(_ => new Contact
            {
                Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspace.Id, Role = ContactRoles.Lead, CreatedAt = now, UpdatedAt = now,
            }));
            return Task.CompletedTask;
        }, CancellationToken.None);

        foreach (var dryRun in new[] { true, false })
        {
            var refused = await (await api.PostJsonAsync(Route, new { query = new { field = "role", @operator = "=", value = "lead" }, dry_run = dryRun }))
                .ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
            Assert.Contains($"matches {ContactBulkErasure.MaxContacts + 1} contacts", refused.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
            Assert.Contains("narrow the query", refused.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        }

        // Exactly the cap is accepted (and one more is not).
        var atTheCap = Enumerable.Range(0, ContactBulkErasure.MaxContacts - 1).Select(_ => PublicIds.NewEntityId(TimeProvider.System)).Append(kept).ToArray();
        Assert.Equal((ContactBulkErasure.MaxContacts, 1, 0, ContactBulkErasure.MaxContacts - 1), Counts(await (await api.PostJsonAsync(Route, new { ids = atTheCap, dry_run = true })).JsonAsync()));
        var tooMany = Enumerable.Range(0, ContactBulkErasure.MaxContacts).Select(_ => PublicIds.NewEntityId(TimeProvider.System)).Append(kept).ToArray();
        var split = await (await api.PostJsonAsync(Route, new { ids = tooMany, dry_run = false })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Contains("split them", split.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);

        await (await api.GetAsync($"contacts/{kept}")).JsonAsync();
        await using var read = server.Cell(Region.Eu).CreateReadContext();
        Assert.Equal(ContactBulkErasure.MaxContacts + 1, await read.Contacts.CountAsync(c => c.WorkspaceId == workspace.Id));
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") is ActivityTypes.ContactsBulkDeletion or ActivityTypes.ContactDeletion);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WithoutContactsBulkDelete_ItIsA403_AndBadBodiesAre400s_AndNothingIsErased(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = await ContactAsync(api, new { email = $"keep-{Guid.NewGuid():N}@example.com" });

        // A token that may delete one contact, but not in bulk; and an agent's.
        var scoped = (await (await api.PostJsonAsync("confide/api_tokens", new { name = "single deletes", scopes = new[] { "contacts.read", "contacts.delete" } })).JsonAsync()).Str("access_token");
        using var narrowed = server.Client(Region.Eu, scoped);
        await (await narrowed.PostJsonAsync(Route, new { ids = new[] { contact }, dry_run = false })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await narrowed.PostJsonAsync(Route, new { ids = new[] { contact }, dry_run = true })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        using var anonymous = server.Client(Region.Eu);
        await (await anonymous.PostJsonAsync(Route, new { ids = new[] { contact }, dry_run = false })).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        string[] bodies =
        [
            "not json", "[]", "42", "{\"ids\":", "{}",
            $$"""{"ids":["{{contact}}"]}""",
            $$"""{"ids":["{{contact}}"],"dry_run":"no"}""",
            """{"dry_run":false}""",
            """{"dry_run":false,"ids":[]}""",
            """{"dry_run":false,"ids":"abc"}""",
            """{"dry_run":false,"ids":[42]}""",
            """{"dry_run":false,"ids":[""]}""",
            $$$"""{"dry_run":false,"ids":["{{{contact}}}"],"query":{"field":"role","operator":"=","value":"user"}}""",
            """{"dry_run":false,"query":"role = user"}""",
            """{"dry_run":false,"query":{"field":"name","operator":">","value":"x"}}""",
            """{"dry_run":false,"query":{"field":"email","operator":"~","value":"x"}}""",
        ];
        foreach (var body in bodies)
        {
            using var response = await api.PostRawAsync(Route, body);
            var json = await response.JsonAsync(HttpStatusCode.BadRequest);
            Assert.Equal("error.list", json.Str("type"));
            Assert.StartsWith("parameter_", json.GetProperty("errors")[0].Str("code"), StringComparison.Ordinal);
        }

        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") is ActivityTypes.ContactsBulkDeletion or ActivityTypes.ContactDeletion);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EraseARequest_OnlyAnErasureInProgress_ThenItCompletesWithAReceipt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var email = $"erase-{Guid.NewGuid():N}@example.com";
        var contact = await ContactAsync(api, new { email });
        var access = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email })).JsonAsync()).Str("id");
        var erasure = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");

        await (await api.PostAsync($"confide/privacy_requests/{access}/erase", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var notStarted = await (await api.PostAsync($"confide/privacy_requests/{erasure}/erase", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Contains("start it first", notStarted.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        await (await otherApi.PostAsync($"confide/privacy_requests/{erasure}/erase", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostAsync("confide/privacy_requests/not-an-id/erase", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();

        await (await api.PostAsync($"confide/privacy_requests/{erasure}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{erasure}/start", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{erasure}/erase", null)).JsonAsync();
        await (await api.GetAsync($"contacts/{contact}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // The erasure path completes the request and stores the receipt when the purge is done.
        var receipt = await Poll.UntilAsync(() => api.GetAsync($"confide/privacy_requests/{erasure}/receipt"), r => r.StatusCode == HttpStatusCode.OK, Wait, "the receipt");
        var document = JsonDocument.Parse(await receipt.Content.ReadAsByteArrayAsync()).RootElement;
        Assert.Equal(erasure, document.Str("privacy_request_id"));
        Assert.Equal("completed", (await (await api.GetAsync($"confide/privacy_requests/{erasure}")).JsonAsync()).Str("state"));
        await (await api.PostAsync($"confide/privacy_requests/{erasure}/erase", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    private static (int Requested, int Matched, int Erased, int Skipped) Counts(JsonElement view) => (
        view.GetProperty("requested").GetInt32(), view.GetProperty("matched").GetInt32(), view.GetProperty("erased").GetInt32(), view.GetProperty("skipped").GetInt32());

    private static async Task<string> ContactAsync(HttpClient api, object body) =>
        (await (await api.PostJsonAsync("contacts", body)).JsonAsync()).Str("id");

    private static async Task<PrivacyRequest?> ErasureRequestAsync(TestServer server, string workspaceId, string contactId)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        return await db.PrivacyRequests.AsNoTracking().FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.ContactId == contactId && r.Kind == PrivacyRequestKinds.Erasure);
    }
}
