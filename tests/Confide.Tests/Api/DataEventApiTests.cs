using System.Net;
using System.Text;
using System.Text.Json;
using Confide.Crypto;
using Confide.Messaging;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Messaging.DataEvents;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Crypto;
using Confide.Tests.Infrastructure;
using Confide.Tests.Privacy;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's data events: submitted by any of the contact's identifiers, listed newest first
/// and summarised per name, refused with a 400 beyond the metadata limits; the metadata sealed
/// under the contact's key (never in clear in storage), exported with the contact and gone with it.
/// </summary>
public sealed class DataEventApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Events_SubmittedByAnyIdentifier_AreListedNewestFirst_AndSummarised(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"events-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email, external_id = "events-user" })).JsonAsync()).Str("id");

        using (var accepted = await api.PostJsonAsync("events", new { event_name = "placed-order", created_at = 1_700_000_000, user_id = "events-user", metadata = new { order = "A-1", price = new { amount = 34999, currency = "eur" } } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.Equal("", await accepted.Content.ReadAsStringAsync());
        }

        await AcceptedAsync(api, new { event_name = "placed-order", created_at = 1_700_000_100, email = email.ToUpperInvariant() });
        await AcceptedAsync(api, new { event_name = "logged-in", created_at = 1_700_000_200, id = contactId });
        // The same contact, name and second again: accepted, not stored twice.
        await AcceptedAsync(api, new { event_name = "logged-in", created_at = 1_700_000_200, id = contactId, metadata = new { again = true } });

        var list = await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}")).JsonAsync();
        Assert.Equal("event.list", list.Str("type"));
        var events = list.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["logged-in", "placed-order", "placed-order"], events.Select(e => e.Str("event_name")));
        Assert.Equal([1_700_000_200L, 1_700_000_100L, 1_700_000_000L], events.Select(e => e.GetProperty("created_at").GetInt64()));
        Assert.All(events, e => Assert.Equal(("event", contactId, "events-user", email), (e.Str("type"), e.Str("intercom_user_id"), e.Str("user_id"), e.Str("email"))));
        var first = events[2].GetProperty("metadata");
        Assert.Equal("A-1", first.Str("order"));
        Assert.Equal(34999, first.GetProperty("price").GetProperty("amount").GetInt32());
        Assert.Empty(events[0].GetProperty("metadata").EnumerateObject());
        Assert.False(list.GetProperty("pages").TryGetProperty("next", out _));

        // Paged two at a time through the link, which names the contact by id only.
        var page = await (await api.GetAsync($"events?type=user&user_id=events-user&per_page=2")).JsonAsync();
        Assert.Equal(2, page.GetProperty("events").GetArrayLength());
        var next = page.GetProperty("pages").Str("next");
        Assert.DoesNotContain("events-user", next, StringComparison.Ordinal);
        Assert.DoesNotContain("example.com", next, StringComparison.Ordinal);
        Assert.Contains(contactId, next, StringComparison.Ordinal);
        var rest = await (await api.GetAsync(new Uri(next))).JsonAsync();
        Assert.Equal([events[2].Str("id")], rest.GetProperty("events").EnumerateArray().Select(e => e.Str("id")));

        using (var summarised = await api.PostJsonAsync("events/summaries", new { user_id = "events-user", event_summaries = new { event_name = "logged-in", count = 10, first = 1_600_000_000, last = 1_650_000_000 } }))
        {
            Assert.Equal(HttpStatusCode.OK, summarised.StatusCode);
            Assert.Equal("", await summarised.Content.ReadAsStringAsync());
        }

        // A later summary of the name replaces the earlier one.
        await SummarisedAsync(api, new { user_id = "events-user", event_summaries = new[] { new { event_name = "logged-in", count = 12, first = 1_600_000_000, last = 1_650_000_000 } } });
        var summary = await (await api.GetAsync($"events?type=user&email={Uri.EscapeDataString(email)}&summary=true")).JsonAsync();
        Assert.Equal(("event.summary", contactId, "events-user", email), (summary.Str("type"), summary.Str("intercom_user_id"), summary.Str("user_id"), summary.Str("email")));
        var byName = summary.GetProperty("events").EnumerateArray().ToDictionary(e => e.Str("name"));
        Assert.Equal(13, byName["logged-in"].GetProperty("count").GetInt64());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000), DateTimeOffset.Parse(byName["logged-in"].Str("first"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_200), DateTimeOffset.Parse(byName["logged-in"].Str("last"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, byName["placed-order"].GetProperty("count").GetInt64());
        Assert.EndsWith(".000+00:00", byName["placed-order"].Str("first"), StringComparison.Ordinal);
        // Summaries are counted, not listed as events.
        Assert.Equal(3, (await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}")).JsonAsync()).GetProperty("events").GetArrayLength());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadEvents_AreIntercomErrors_AndAnotherWorkspacesContactIsNotFound(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"bad-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var eleven = Enumerable.Range(0, 11).ToDictionary(i => $"k{i}", i => (object)i);

        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1, id = contactId, metadata = eleven })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1, id = contactId, metadata = new { list = new[] { 1, 2 } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1, id = contactId, metadata = new { deep = new { deeper = new { a = 1 } } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1, id = contactId, metadata = new { text = new string('m', 1001) } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1, id = contactId, metadata = "not an object" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = new string('n', 256), created_at = 1, id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = "x", id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("events", new { created_at = 1, id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 999_999_999_999, id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostRawAsync("events", $$"""{"event_name":"x","created_at":"1","id":"{{contactId}}"}""")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events", new { event_name = "x", created_at = 1, user_id = "nobody" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        // Ten keys and one level of object are fine.
        await AcceptedAsync(api, new { event_name = "x", created_at = 1, id = contactId, metadata = Enumerable.Range(0, 10).ToDictionary(i => $"k{i}", i => (object)i) });

        await (await otherApi.PostJsonAsync("events", new { event_name = "x", created_at = 2, id = contactId })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.GetAsync($"events?type=user&intercom_user_id={contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostJsonAsync("events/summaries", new { id = contactId, event_summaries = new { event_name = "x", count = 1, last = 1 } })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        await (await api.GetAsync($"events?intercom_user_id={contactId}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.GetAsync($"events?type=company&intercom_user_id={contactId}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("events?type=user")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}&starting_after=bm90LWEtY3Vyc29y")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}&per_page=0")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}&summary=maybe")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        await (await api.PostJsonAsync("events/summaries", new { id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("events/summaries", new { id = contactId, event_summaries = new { event_name = "x", count = 0, last = 1 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events/summaries", new { id = contactId, event_summaries = new { event_name = "x", first = 5, last = 1 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events/summaries", new { id = contactId, event_summaries = new { event_name = "x", count = "many", last = 1 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("events/summaries", new { id = contactId, event_summaries = "x" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
    }

    /// <summary>The metadata is sealed under the contact's key: no trace of it in the database files (with -wal) or a pg_dump; the event's name, a workspace category, is in clear (the scan's positive control).</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EventMetadata_NeverAppearsInStorage_AndARotatedContactKeyStillOpensIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var markers = new CanaryMarkers();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"canary-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var name = $"control{Guid.NewGuid():N}";
        await AcceptedAsync(api, new { event_name = name, created_at = 1_700_000_000, id = contactId, metadata = new { note = markers["metadata"], link = new { url = "https://example.com/a", value = markers["nested"] } } });

        var listed = (await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}")).JsonAsync()).ToString();
        Assert.Contains(markers["metadata"], listed, StringComparison.Ordinal);
        Assert.Contains(markers["nested"], listed, StringComparison.Ordinal);

        var storage = await RawStorage.ReadAsync(server);
        Assert.True(storage.Contains(name), "The scan found not even the control.");
        var found = storage.Find(markers);
        Assert.True(found.Count == 0, "Event metadata found in storage: " + string.Join("; ", found));

        // A contact-key rotation re-seals the metadata under the new version and destroys the old one.
        var keys = server.Services.GetRequiredService<ContactKeyRing>();
        var rotation = new ContactKeyRotation(keys, TimeProvider.System) { GracePeriod = TimeSpan.FromMilliseconds(50) };
        await rotation.RunAsync(server.Cell(Region.Eu), workspace.Id, contactId, progress: null, CancellationToken.None);
        var current = Assert.Single(await (await keys.StoreAsync(Region.Eu)).GetAsync(workspace.Id, contactId, CancellationToken.None)).KeyId;
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var sealedMetadata = await db.DataEvents.Where(e => e.ContactId == contactId).Select(e => e.EncryptedMetadata).SingleAsync();
            Assert.Equal(current, FieldCipher.KeyIdOf(sealedMetadata!));
        }

        var reread = await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}")).JsonAsync();
        Assert.Equal(markers["metadata"], reread.GetProperty("events")[0].GetProperty("metadata").Str("note"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheAccessExport_HoldsTheEvents_AndTheErasureRemovesThem(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var markers = new CanaryMarkers();
        var email = $"export-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var bystander = (await (await api.PostJsonAsync("contacts", new { email = "x" + email })).JsonAsync()).Str("id");
        await AcceptedAsync(api, new { event_name = "placed-order", created_at = 1_700_000_000, id = contactId, metadata = new { order = markers["order"] } });
        await AcceptedAsync(api, new { event_name = "placed-order", created_at = 1_700_000_060, id = contactId });
        await SummarisedAsync(api, new { id = contactId, event_summaries = new { event_name = "logged-in", count = 7, first = 1_600_000_000, last = 1_650_000_000 } });
        await AcceptedAsync(api, new { event_name = "placed-order", created_at = 1_700_000_000, id = bystander, metadata = new { order = markers["bystander"] } });

        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email })).JsonAsync()).Str("id");
        var exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
        Assert.Equal("completed", (await SubjectExportApiTests.CompletedAsync(api, exportId)).Str("state"));
        var (json, html) = await SubjectExportApiTests.DownloadAsync(api, exportId);
        var exported = JsonDocument.Parse(json).RootElement.GetProperty("categories").GetProperty(DataCategories.UserBehavior).GetProperty("data_event").EnumerateArray().ToList();
        Assert.Equal(3, exported.Count);
        Assert.Equal(["logged-in", "placed-order", "placed-order"], exported.Select(e => e.Str("event_name")));
        Assert.Equal((7L, 1_600_000_000L), (exported[0].GetProperty("count").GetInt64(), exported[0].GetProperty("first").GetInt64()));
        Assert.Equal(markers["order"], exported[1].GetProperty("metadata").Str("order"));
        Assert.Contains(markers["order"], html, StringComparison.Ordinal);
        Assert.DoesNotContain(markers["bystander"], json, StringComparison.Ordinal);

        // The per-contact purge: the events go, counted in the receipt; the bystander's stay.
        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();
        await api.WaitForPurgeAsync(contactId);
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            Assert.Equal(0, await db.DataEvents.CountAsync(e => e.ContactId == contactId));
            Assert.Equal(1, await db.DataEvents.CountAsync(e => e.ContactId == bystander));
            var receipt = await db.ErasureReceipts.Where(r => r.WorkspaceId == workspace.Id).OrderByDescending(r => r.Id).FirstAsync();
            Assert.Equal(3, JsonDocument.Parse(receipt.Categories).RootElement.GetProperty(ErasedCategories.DataEvents).GetInt64());
        }

        await (await api.GetAsync($"events?type=user&intercom_user_id={contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>
    /// The retention rules' batched erasure (ADR 0014): the handler's set-based write removes exactly
    /// the named contacts' events (before, not through, the contact rows' deletion), and a visitor
    /// erased by the visitor rule leaves no event behind.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheBatchedErasure_RemovesTheContactsEvents_AndOnlyTheirs(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var erased = (await (await api.PostJsonAsync("contacts", new { email = $"batch-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var kept = (await (await api.PostJsonAsync("contacts", new { email = $"kept-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        await AcceptedAsync(api, new { event_name = "a", created_at = 1, id = erased, metadata = new { n = 1 } });
        await AcceptedAsync(api, new { event_name = "b", created_at = 2, id = erased });
        await SummarisedAsync(api, new { id = erased, event_summaries = new { event_name = "c", count = 2, last = 3 } });
        await AcceptedAsync(api, new { event_name = "a", created_at = 1, id = kept });

        var handler = server.Services.GetServices<ISubjectDataHandler>().OfType<DataEventSubjectData>().Single();
        var cell = server.Cell(Region.Eu);
        var write = await handler.EraseManyAsync(cell, workspace.Id, [erased], CancellationToken.None);
        await cell.Writer.WriteAsync(write, CancellationToken.None);
        Assert.Equal((0, 1), (await workspace.ReadAsync(db => db.DataEvents.CountAsync(e => e.ContactId == erased)), await workspace.ReadAsync(db => db.DataEvents.CountAsync(e => e.ContactId == kept))));
        Assert.Equal(1, await workspace.ReadAsync(db => db.Contacts.CountAsync(c => c.Id == erased)));

        var (visitor, conversation) = await VisitorRuleTests.VisitorAsync(workspace, "just looking");
        await AcceptedAsync(api, new { event_name = "viewed-pricing", created_at = 1_700_000_000, id = visitor, metadata = new { page = "pricing" } });
        Assert.Equal(1, await server.Rule<VisitorRetentionRule>().RunAsync(workspace.Scope(DateTimeOffset.UtcNow.AddDays(271), 270)));
        await VisitorRuleTests.AssertErasedAsync(workspace, [visitor], [conversation]);
        Assert.Equal(0, await workspace.ReadAsync(db => db.DataEvents.CountAsync(e => e.ContactId == visitor)));
        Assert.Equal(1, await workspace.ReadAsync(db => db.DataEvents.CountAsync(e => e.ContactId == kept)));
    }

    private static async Task SummarisedAsync(HttpClient api, object body)
    {
        using var response = await api.PostJsonAsync("events/summaries", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task AcceptedAsync(HttpClient api, object body)
    {
        using var response = await api.PostJsonAsync("events", body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
