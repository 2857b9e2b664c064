using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Audit;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Messaging.Subscriptions;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Privacy;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>
/// Subscription types (managed through Confide's own endpoints, listed with Intercom's shape) and
/// a contact's subscriptions: every change is a consent record naming who made it and when, and an
/// activity-log entry with ids and the consent type only; the records are exported with the
/// contact and erased with it.
/// </summary>
public sealed class SubscriptionApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SubscriptionTypes_AreManagedByConfide_AndListedWithIntercomsShape(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        Assert.Empty((await (await api.GetAsync("subscription_types")).JsonAsync()).GetProperty("data").EnumerateArray());

        var newsletter = await CreateTypeAsync(api, "opt_in", "Newsletter", new[] { "email" },
            new { name = "Newsletter", description = "Monthly news", locale = "en" }, new { name = "Infolettre", description = "Nouvelles", locale = "fr" });
        Assert.Equal(("subscription", "1", "live", "opt_in"), (newsletter.Str("type"), newsletter.Str("id"), newsletter.Str("state"), newsletter.Str("consent_type")));
        Assert.Equal(("Newsletter", "Monthly news", "en"), (newsletter.GetProperty("default_translation").Str("name"), newsletter.GetProperty("default_translation").Str("description"), newsletter.GetProperty("default_translation").Str("locale")));
        Assert.Equal(["en", "fr"], newsletter.GetProperty("translations").EnumerateArray().Select(t => t.Str("locale")));
        Assert.Equal(["email"], newsletter.GetProperty("content_types").EnumerateArray().Select(c => c.GetString()));
        var updates = await CreateTypeAsync(api, "opt_out", "Product updates", new[] { "sms_message", "email" });
        Assert.Equal(["email", "sms_message"], updates.GetProperty("content_types").EnumerateArray().Select(c => c.GetString()));

        var list = await (await api.GetAsync("subscription_types")).JsonAsync();
        Assert.Equal("list", list.Str("type"));
        Assert.Equal(["1", "2"], list.GetProperty("data").EnumerateArray().Select(t => t.Str("id")));

        var archived = await (await api.PutAsJsonAsync("confide/subscription_types/2", new { state = "archived" })).JsonAsync();
        Assert.Equal(("archived", "Product updates"), (archived.Str("state"), archived.GetProperty("default_translation").Str("name")));
        var renamed = await (await api.PutAsJsonAsync("confide/subscription_types/1", new { default_translation = new { name = "News", locale = "en" } })).JsonAsync();
        Assert.Equal(["News"], renamed.GetProperty("translations").EnumerateArray().Select(t => t.Str("name")));
        Assert.Equal("", renamed.GetProperty("default_translation").Str("description"));

        // What contacts agreed to cannot change under them; bad input is Intercom's 400s.
        await (await api.PutAsJsonAsync("confide/subscription_types/1", new { consent_type = "opt_out" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/subscription_types", new { default_translation = new { name = "x" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("confide/subscription_types", new { consent_type = "maybe", default_translation = new { name = "x" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/subscription_types", new { consent_type = "opt_in", content_types = new[] { "fax" }, default_translation = new { name = "x" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/subscription_types", new { consent_type = "opt_in" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("confide/subscription_types", new { consent_type = "opt_in", default_translation = new { name = "x", locale = "en" }, translations = new[] { new { name = "y", locale = "de" }, new { name = "z", locale = "de" } } }))
            .ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PutAsJsonAsync("confide/subscription_types/99", new { state = "live" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PutAsJsonAsync("confide/subscription_types/abc", new { state = "live" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var deleted = await (await api.DeleteAsync("confide/subscription_types/2")).JsonAsync();
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(["1"], (await (await api.GetAsync("subscription_types")).JsonAsync()).GetProperty("data").EnumerateArray().Select(t => t.Str("id")));

        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type").StartsWith("subscription_type", StringComparison.Ordinal)).ToList();
        Assert.Equal([ActivityTypes.SubscriptionTypeCreation, ActivityTypes.SubscriptionTypeCreation, ActivityTypes.SubscriptionTypeChange, ActivityTypes.SubscriptionTypeChange, ActivityTypes.SubscriptionTypeDeletion],
            entries.Select(e => e.Str("activity_type")));
        Assert.Equal(("subscription_type", "2"), (entries[2].GetProperty("target").Str("type"), entries[2].GetProperty("target").Str("id")));
        Assert.Equal("archived", entries[2].GetProperty("metadata").GetProperty("after").Str("state"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactSubscriptions_AttachAndDetach_RecordEveryChangeWithWhoAndWhen(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var email = $"consent-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var optIn = (await CreateTypeAsync(api, "opt_in", "Newsletter")).Str("id");
        var optOut = (await CreateTypeAsync(api, "opt_out", "Announcements")).Str("id");
        Assert.Empty((await (await api.GetAsync($"contacts/{contactId}/subscriptions")).JsonAsync()).GetProperty("data").EnumerateArray());

        // The id as a number, as Intercom's own example sends it, or as a string.
        var attached = await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = long.Parse(optIn, System.Globalization.CultureInfo.InvariantCulture), consent_type = "opt_in" })).JsonAsync();
        Assert.Equal(("subscription", optIn, "opt_in"), (attached.Str("type"), attached.Str("id"), attached.Str("consent_type")));
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = optOut, consent_type = "opt_out" })).JsonAsync();
        // Again: nothing changes, nothing is recorded.
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = optIn, consent_type = "opt_in" })).JsonAsync();
        var listed = await (await api.GetAsync($"contacts/{contactId}/subscriptions")).JsonAsync();
        Assert.Equal("list", listed.Str("type"));
        Assert.Equal([optIn, optOut], listed.GetProperty("data").EnumerateArray().Select(t => t.Str("id")));

        var detached = await (await api.DeleteAsync($"contacts/{contactId}/subscriptions/{optIn}")).JsonAsync();
        Assert.Equal(optIn, detached.Str("id"));
        Assert.Equal([optOut], (await (await api.GetAsync($"contacts/{contactId}/subscriptions")).JsonAsync()).GetProperty("data").EnumerateArray().Select(t => t.Str("id")));
        // Detaching what is not attached changes nothing either.
        await (await api.DeleteAsync($"contacts/{contactId}/subscriptions/{optIn}")).JsonAsync();

        // The consent records: one row per change, with who and when.
        var rows = await workspace.ReadAsync(db => db.ContactSubscriptionChanges.Where(c => c.ContactId == contactId).OrderBy(c => c.Id).ToListAsync());
        Assert.Equal([(1L, true), (2L, true), (1L, false)], rows.Select(r => (r.SubscriptionTypeId, r.Attached)));
        Assert.All(rows, r => Assert.Equal(("admin", workspace.OwnerId, "api"), (r.ActorType, r.ActorId, r.Via)));
        Assert.All(rows, r => Assert.True(r.ChangedAt.ToUnixTimeSeconds() > 0));
        Assert.Equal(["opt_in", "opt_out", "opt_in"], rows.Select(r => r.ConsentType));

        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type").StartsWith("contact_subscription", StringComparison.Ordinal)).ToList();
        Assert.Equal([ActivityTypes.ContactSubscriptionAdded, ActivityTypes.ContactSubscriptionAdded, ActivityTypes.ContactSubscriptionRemoved], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal(("contact", contactId), (e.GetProperty("target").Str("type"), e.GetProperty("target").Str("id"))));
        Assert.All(entries, e => Assert.Equal(["consent_type", "contact_id", "subscription_type_id"], e.GetProperty("metadata").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.Equal((optIn, "opt_in"), (entries[2].GetProperty("metadata").Str("subscription_type_id"), entries[2].GetProperty("metadata").Str("consent_type")));
        Assert.Equal(workspace.OwnerId, entries[0].GetProperty("performed_by").Str("id"));
        Assert.All(entries, e => Assert.DoesNotContain(email, e.GetRawText(), StringComparison.OrdinalIgnoreCase));

        // Intercom's errors: the type's consent type, an unknown type or contact, another workspace's contact.
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = optIn, consent_type = "opt_out" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = optIn })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { consent_type = "opt_in" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        var unknownType = await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = "invalid_id", consent_type = "opt_in" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Resource Not Found", unknownType.GetProperty("errors")[0].Str("message"));
        var unknownContact = await (await api.PostJsonAsync("contacts/0123456789abcdef01234567/subscriptions", new { id = optIn, consent_type = "opt_in" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("User Not Found", unknownContact.GetProperty("errors")[0].Str("message"));
        await (await otherApi.GetAsync($"contacts/{contactId}/subscriptions")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = optIn, consent_type = "opt_in" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.DeleteAsync($"contacts/{contactId}/subscriptions/999")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // An archived type takes no new subscriber, but one can always leave it; a type with records is archived, not deleted.
        await (await api.PutAsJsonAsync($"confide/subscription_types/{optOut}", new { state = "archived" })).JsonAsync();
        var second = (await (await api.PostJsonAsync("contacts", new { email = "x" + email })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{second}/subscriptions", new { id = optOut, consent_type = "opt_out" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.DeleteAsync($"contacts/{contactId}/subscriptions/{optOut}")).JsonAsync();
        Assert.Empty((await (await api.GetAsync($"contacts/{contactId}/subscriptions")).JsonAsync()).GetProperty("data").EnumerateArray());
        await (await api.DeleteAsync($"confide/subscription_types/{optOut}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Equal(4, await workspace.ReadAsync(db => db.ContactSubscriptionChanges.CountAsync(c => c.ContactId == contactId)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ConsentRecords_AreInTheAccessExport_AndErasedWithTheContact(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"export-consent-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var bystander = (await (await api.PostJsonAsync("contacts", new { email = "x" + email })).JsonAsync()).Str("id");
        var typeId = (await CreateTypeAsync(api, "opt_in", "Weekly digest")).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = typeId, consent_type = "opt_in" })).JsonAsync();
        await (await api.DeleteAsync($"contacts/{contactId}/subscriptions/{typeId}")).JsonAsync();
        await (await api.PostJsonAsync($"contacts/{bystander}/subscriptions", new { id = typeId, consent_type = "opt_in" })).JsonAsync();

        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email })).JsonAsync()).Str("id");
        var exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
        Assert.Equal("completed", (await SubjectExportApiTests.CompletedAsync(api, exportId)).Str("state"));
        var (json, _) = await SubjectExportApiTests.DownloadAsync(api, exportId);
        var exported = JsonDocument.Parse(json).RootElement.GetProperty("categories").GetProperty(DataCategories.UserPrivacyPreferences).GetProperty("subscription_change").EnumerateArray().ToList();
        Assert.Equal([true, false], exported.Select(e => e.GetProperty("attached").GetBoolean()));
        Assert.All(exported, e => Assert.Equal((typeId, "opt_in", "Weekly digest", "admin", workspace.OwnerId), (e.Str("subscription_type_id"), e.Str("consent_type"), e.Str("subscription_type_name"), e.Str("changed_by_type"), e.Str("changed_by_id"))));
        Assert.All(exported, e => Assert.True(e.GetProperty("changed_at").GetInt64() > 0));

        // Erased with the contact, counted in the receipt; the bystander's record stays, and so do the log's entries (ids only).
        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();
        await api.WaitForPurgeAsync(contactId);
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            Assert.Equal(0, await db.ContactSubscriptionChanges.CountAsync(c => c.ContactId == contactId));
            Assert.Equal(1, await db.ContactSubscriptionChanges.CountAsync(c => c.ContactId == bystander));
            var receipt = await db.ErasureReceipts.Where(r => r.WorkspaceId == workspace.Id).OrderByDescending(r => r.Id).FirstAsync();
            Assert.Equal(2, JsonDocument.Parse(receipt.Categories).RootElement.GetProperty(ErasedCategories.SubscriptionChanges).GetInt64());
        }

        Assert.Equal(2, (await ActivityLogTests.AllEntriesAsync(api)).Count(e => e.Str("activity_type").StartsWith("contact_subscription", StringComparison.Ordinal) && e.GetProperty("target").Str("id") == contactId));
        await (await api.GetAsync($"contacts/{contactId}/subscriptions")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheBatchedErasure_RemovesTheContactsConsentRecords_AndOnlyTheirs(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var erased = (await (await api.PostJsonAsync("contacts", new { email = $"batch-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var kept = (await (await api.PostJsonAsync("contacts", new { email = $"kept-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var typeId = (await CreateTypeAsync(api, "opt_out", "Offers")).Str("id");
        foreach (var contact in new[] { erased, kept })
        {
            await (await api.PostJsonAsync($"contacts/{contact}/subscriptions", new { id = typeId, consent_type = "opt_out" })).JsonAsync();
        }

        var handler = server.Services.GetServices<ISubjectDataHandler>().OfType<SubscriptionSubjectData>().Single();
        var cell = server.Cell(Region.Eu);
        var write = await handler.EraseManyAsync(cell, workspace.Id, [erased], CancellationToken.None);
        await cell.Writer.WriteAsync(write, CancellationToken.None);
        Assert.Equal((0, 1), (await workspace.ReadAsync(db => db.ContactSubscriptionChanges.CountAsync(c => c.ContactId == erased)), await workspace.ReadAsync(db => db.ContactSubscriptionChanges.CountAsync(c => c.ContactId == kept))));
    }

    internal static async Task<JsonElement> CreateTypeAsync(HttpClient api, string consentType, string name, string[]? contentTypes = null, params object[] translations)
    {
        object body = translations.Length == 0
            ? new { consent_type = consentType, content_types = contentTypes ?? ["email"], default_translation = new { name, description = $"About {name}", locale = "en" } }
            : new { consent_type = consentType, content_types = contentTypes ?? ["email"], default_translation = translations[0], translations };
        return await (await api.PostJsonAsync("confide/subscription_types", body)).JsonAsync();
    }
}
