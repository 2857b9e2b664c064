using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Crypto;
using Confide.Tests.Infrastructure;
using Confide.Tests.Privacy;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's companies: create-or-update by <c>company_id</c>, lookups, page-number lists and
/// the scroll, contacts attached both ways, tags, Intercom's errors, the activity log, the
/// sealed custom attributes, and the links' place in a contact's erasure and export.
/// </summary>
public sealed class CompanyApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CreateOrUpdate_Get_Lookup_Update_Delete_RoundTripsACompany(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        var created = await (await client.PostJsonAsync("companies", new
        {
            company_id = "acme-1",
            name = "Acme",
            plan = "pro",
            size = 40,
            website = "https://acme.example",
            industry = "Manufacturing",
            monthly_spend = 155.98,
            remote_created_at = 1_374_138_000,
            custom_attributes = new { paid_subscriber = true, seats = 9 },
        })).JsonAsync();
        var id = created.Str("id");
        Assert.Equal(("company", "acme-1", workspace.Id, "Acme"), (created.Str("type"), created.Str("company_id"), created.Str("app_id"), created.Str("name")));
        Assert.Equal((40, 155, 0, 0), (created.GetProperty("size").GetInt32(), created.GetProperty("monthly_spend").GetInt32(), created.GetProperty("session_count").GetInt32(), created.GetProperty("user_count").GetInt32()));
        Assert.Equal(1_374_138_000, created.GetProperty("remote_created_at").GetInt64());
        Assert.Equal(("plan", "pro"), (created.GetProperty("plan").Str("type"), created.GetProperty("plan").Str("name")));
        Assert.True(created.GetProperty("custom_attributes").GetProperty("paid_subscriber").GetBoolean());
        Assert.Equal("tag.list", created.GetProperty("tags").Str("type"));
        Assert.Equal("segment.list", created.GetProperty("segments").Str("type"));

        // The same company_id updates the company; custom attributes merge key by key.
        var again = await (await client.PostJsonAsync("companies", new { company_id = "acme-1", name = "Acme Ltd", custom_attributes = new { seats = 12 } })).JsonAsync();
        Assert.Equal((id, "Acme Ltd", "pro"), (again.Str("id"), again.Str("name"), again.GetProperty("plan").Str("name")));
        Assert.True(again.GetProperty("custom_attributes").GetProperty("paid_subscriber").GetBoolean());
        Assert.Equal(12, again.GetProperty("custom_attributes").GetProperty("seats").GetInt32());

        Assert.Equal(id, (await (await client.GetAsync($"companies/{id}")).JsonAsync()).Str("id"));
        Assert.Equal(id, (await (await client.GetAsync("companies?company_id=acme-1")).JsonAsync()).Str("id"));
        Assert.Equal(id, (await (await client.GetAsync("companies?name=Acme%20Ltd")).JsonAsync()).Str("id"));
        await (await client.GetAsync("companies?company_id=nobody")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        await (await client.GetAsync("companies?name=Nobody")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");

        var updated = await (await client.PutAsJsonAsync($"companies/{id}", new { industry = "Robotics" })).JsonAsync();
        Assert.Equal(("Robotics", "Acme Ltd", "pro"), (updated.Str("industry"), updated.Str("name"), updated.GetProperty("plan").Str("name")));
        await (await client.PutAsJsonAsync($"companies/{id}", new { company_id = "acme-2" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        // company_id is set once: the same value is accepted.
        await (await client.PutAsJsonAsync($"companies/{id}", new { company_id = "acme-1" })).JsonAsync();

        var deleted = await (await client.DeleteAsync($"companies/{id}")).JsonAsync();
        Assert.Equal((id, "company", true), (deleted.Str("id"), deleted.Str("object"), deleted.GetProperty("deleted").GetBoolean()));
        await (await client.GetAsync($"companies/{id}")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        await (await client.DeleteAsync($"companies/{id}")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");

        var log = (await (await client.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync()).GetProperty("activity_logs").EnumerateArray()
            .Where(e => e.TryGetProperty("target", out var target) && target.ValueKind == JsonValueKind.Object && target.Str("id") == id)
            .Select(e => e.Str("activity_type")).ToList();
        Assert.Equal(1, log.Count(t => t == ActivityTypes.CompanyCreation));
        Assert.Equal(3, log.Count(t => t == ActivityTypes.CompanyUpdate));
        Assert.Equal(1, log.Count(t => t == ActivityTypes.CompanyDeletion));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Contacts_AttachAndDetach_AreListedBothWays_AndInTheContact(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var ada = (await (await client.PostJsonAsync("contacts", new { email = "ada@example.com" })).JsonAsync()).Str("id");
        var bob = (await (await client.PostJsonAsync("contacts", new { email = "bob@example.com" })).JsonAsync()).Str("id");
        var acme = (await (await client.PostJsonAsync("companies", new { company_id = "acme", name = "Acme" })).JsonAsync()).Str("id");
        var globex = (await (await client.PostJsonAsync("companies", new { company_id = "globex", name = "Globex" })).JsonAsync()).Str("id");

        var attached = await (await client.PostJsonAsync($"contacts/{ada}/companies", new { id = acme })).JsonAsync();
        Assert.Equal((acme, 1), (attached.Str("id"), attached.GetProperty("user_count").GetInt32()));
        // Attaching again changes nothing.
        Assert.Equal(1, (await (await client.PostJsonAsync($"contacts/{ada}/companies", new { id = acme })).JsonAsync()).GetProperty("user_count").GetInt32());
        await (await client.PostJsonAsync($"contacts/{ada}/companies", new { id = globex })).JsonAsync();
        Assert.Equal(2, (await (await client.PostJsonAsync($"contacts/{bob}/companies", new { id = acme })).JsonAsync()).GetProperty("user_count").GetInt32());

        var contact = await (await client.GetAsync($"contacts/{ada}")).JsonAsync();
        var companies = contact.GetProperty("companies");
        Assert.Equal(("list", $"/contacts/{ada}/companies", 2, false), (companies.Str("type"), companies.Str("url"), companies.GetProperty("total_count").GetInt32(), companies.GetProperty("has_more").GetBoolean()));
        Assert.Equal([acme, globex], companies.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal(("company", $"/companies/{acme}"), (companies.GetProperty("data")[0].Str("type"), companies.GetProperty("data")[0].Str("url")));
        var listedContact = (await (await client.GetAsync("contacts")).JsonAsync()).GetProperty("data").EnumerateArray().Single(c => c.Str("id") == ada);
        Assert.Equal(2, listedContact.GetProperty("companies").GetProperty("total_count").GetInt32());

        var ofAda = await (await client.GetAsync($"contacts/{ada}/companies")).JsonAsync();
        Assert.Equal(2, ofAda.GetProperty("total_count").GetInt32());
        Assert.Equal([acme, globex], ofAda.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal([acme, globex], ofAda.GetProperty("companies").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal((1, 1), (ofAda.GetProperty("pages").GetProperty("page").GetInt32(), ofAda.GetProperty("pages").GetProperty("total_pages").GetInt32()));
        var secondPage = await (await client.GetAsync($"contacts/{ada}/companies?page=2&per_page=1")).JsonAsync();
        Assert.Equal([globex], secondPage.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));

        var ofAcme = await (await client.GetAsync($"companies/{acme}/contacts")).JsonAsync();
        Assert.Equal(("list", 2), (ofAcme.Str("type"), ofAcme.GetProperty("total_count").GetInt32()));
        Assert.Equal(new[] { ada, bob }.Order(StringComparer.Ordinal), ofAcme.GetProperty("data").EnumerateArray().Select(c => c.Str("id")).Order(StringComparer.Ordinal));
        Assert.Equal("ada@example.com", ofAcme.GetProperty("data").EnumerateArray().Single(c => c.Str("id") == ada).Str("email"));

        var detached = await (await client.DeleteAsync($"contacts/{ada}/companies/{acme}")).JsonAsync();
        Assert.Equal((acme, 1), (detached.Str("id"), detached.GetProperty("user_count").GetInt32()));
        Assert.Equal([globex], (await (await client.GetAsync($"contacts/{ada}/companies")).JsonAsync()).GetProperty("data").EnumerateArray().Select(c => c.Str("id")));

        // Deleting a company detaches its contacts, which stay.
        await (await client.DeleteAsync($"companies/{globex}")).JsonAsync();
        Assert.Equal(0, (await (await client.GetAsync($"contacts/{ada}")).JsonAsync()).GetProperty("companies").GetProperty("total_count").GetInt32());
        Assert.Equal(0, await workspace.ReadAsync(db => db.ContactCompanies.CountAsync(l => l.CompanyId == globex)));

        // Unknown ids, and another workspace's, are Intercom's 404s.
        var other = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var otherClient = other.Client();
        await (await otherClient.GetAsync($"companies/{acme}")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        await (await otherClient.GetAsync($"contacts/{bob}/companies")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.PostJsonAsync($"contacts/{ada}/companies", new { id = "123" })).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        await (await client.PostJsonAsync($"contacts/{ada}/companies", new { })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync("contacts/nobody/companies", new { id = acme })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.DeleteAsync($"contacts/{ada}/companies/nobody")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        await (await client.GetAsync("companies/nobody/contacts")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ListsAndScroll_PageThroughEveryCompanyOnce(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await (await client.PostJsonAsync("companies", new { company_id = $"c{i}", name = $"Company {i}" })).JsonAsync()).Str("id"));
        }

        var first = await (await client.GetAsync("companies?per_page=3")).JsonAsync();
        Assert.Equal(("list", 7), (first.Str("type"), first.GetProperty("total_count").GetInt32()));
        Assert.Equal((1, 3, 3), (first.GetProperty("pages").GetProperty("page").GetInt32(), first.GetProperty("pages").GetProperty("per_page").GetInt32(), first.GetProperty("pages").GetProperty("total_pages").GetInt32()));
        var listed = new List<string>();
        for (var page = 1; page <= 4; page++)
        {
            var data = (await (await client.PostAsync($"companies/list?page={page}&per_page=3", null)).JsonAsync()).GetProperty("data");
            listed.AddRange(data.EnumerateArray().Select(c => c.Str("id")));
            Assert.Equal(page == 4 ? 0 : page == 3 ? 1 : 3, data.GetArrayLength());
        }

        Assert.Equal(Enumerable.Reverse(ids), listed);
        var ascending = (await (await client.PostAsync("companies/list?order=asc&per_page=150", null)).JsonAsync()).GetProperty("data");
        Assert.Equal(ids, ascending.EnumerateArray().Select(c => c.Str("id")));

        var scrolled = new List<string>();
        string? scrollParam = null;
        var calls = 0;
        do
        {
            var page = await (await client.GetAsync("companies/scroll" + (scrollParam is null ? "" : $"?scroll_param={Uri.EscapeDataString(scrollParam)}"))).JsonAsync();
            scrolled.AddRange(page.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
            scrollParam = page.GetProperty("scroll_param").GetString();
            Assert.True(++calls <= 3, "the scroll does not end");
        }
        while (scrollParam is not null);
        Assert.Equal(Enumerable.Reverse(ids), scrolled);

        await (await client.GetAsync("companies/scroll?scroll_param=not-a-scroll")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.GetAsync("companies?page=0")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.GetAsync("companies?per_page=151")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostAsync("companies/list?order=sideways", null)).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Equal(0, (await (await client.GetAsync("companies?segment_id=123")).JsonAsync()).GetProperty("total_count").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Tags_TagAndUntagCompanies_ThroughPostTags(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var acme = (await (await client.PostJsonAsync("companies", new { company_id = "acme", name = "Acme" })).JsonAsync()).Str("id");
        var globex = (await (await client.PostJsonAsync("companies", new { company_id = "globex", name = "Globex" })).JsonAsync()).Str("id");

        var tag = await (await client.PostJsonAsync("tags", new { name = "enterprise", companies = new object[] { new { id = acme }, new { company_id = "globex" } } })).JsonAsync();
        Assert.Equal(("tag", "enterprise"), (tag.Str("type"), tag.Str("name")));
        var tagId = tag.Str("id");
        var tags = (await (await client.GetAsync($"companies/{acme}")).JsonAsync()).GetProperty("tags");
        Assert.Equal(("tag.list", tagId, "enterprise"), (tags.Str("type"), tags.GetProperty("tags")[0].Str("id"), tags.GetProperty("tags")[0].Str("name")));
        var tagged = await (await client.GetAsync($"companies?tag_id={tagId}")).JsonAsync();
        Assert.Equal(new[] { acme, globex }.Order(StringComparer.Ordinal), tagged.GetProperty("data").EnumerateArray().Select(c => c.Str("id")).Order(StringComparer.Ordinal));

        await (await client.PostJsonAsync("tags", new { name = "enterprise", companies = new[] { new { id = globex, company_id = "globex", untag = true } } })).JsonAsync();
        Assert.Equal([acme], (await (await client.GetAsync($"companies?tag_id={tagId}")).JsonAsync()).GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
        Assert.Equal(0, (await (await client.GetAsync($"companies/{globex}")).JsonAsync()).GetProperty("tags").GetProperty("tags").GetArrayLength());

        // One unknown company refuses the whole request.
        await (await client.PostJsonAsync("tags", new { name = "other", companies = new object[] { new { id = globex }, new { company_id = "nobody" } } }))
            .ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        Assert.Equal(0, (await (await client.GetAsync($"companies/{globex}")).JsonAsync()).GetProperty("tags").GetProperty("tags").GetArrayLength());
        await (await client.PostJsonAsync("tags", new { name = "other", companies = new[] { new { untag = true } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        // Deleting the tag takes it off its companies.
        (await client.DeleteAsync($"tags/{tagId}")).EnsureSuccessStatusCode();
        Assert.Equal(0, (await (await client.GetAsync($"companies/{acme}")).JsonAsync()).GetProperty("tags").GetProperty("tags").GetArrayLength());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadInput_IsAnIntercom400_NeverA500(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var id = (await (await client.PostJsonAsync("companies", new { company_id = "acme" })).JsonAsync()).Str("id");

        await (await client.PostJsonAsync("companies", new { name = "No id" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync("companies", new { company_id = "  " })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync("companies", new { company_id = new string('x', 256) })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("companies", new { company_id = "acme", custom_attributes = new { nested = new { no = 1 } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("companies", new { company_id = "acme", custom_attributes = "flat" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("companies", new { company_id = "acme", monthly_spend = -1 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("companies", new { company_id = "acme", monthly_spend = 3e9 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("companies", new { company_id = "acme", size = -3 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync("companies", new { company_id = "acme", remote_created_at = long.MaxValue })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var tooMany = Enumerable.Range(0, 251).ToDictionary(i => $"a{i}", i => (object)i);
        await (await client.PostJsonAsync("companies", new { company_id = "acme", custom_attributes = tooMany })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        foreach (var body in new[] { "{", "[]", "{\"company_id\":5}", "{\"company_id\":\"acme\",\"size\":\"many\"}", "{\"company_id\":\"acme\",\"size\":1.5}" })
        {
            using var response = await client.PostRawAsync("companies", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("error.list", (await response.JsonAsync(HttpStatusCode.BadRequest)).Str("type"));
        }

        using (var response = await client.PutAsync($"companies/{id}", new StringContent("{\"size\":\"x\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        await (await client.GetAsync("companies/%20")).ErrorAsync(HttpStatusCode.NotFound, "company_not_found");
        await (await client.GetAsync("companies?page=abc")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        // Nothing of the refused requests was written.
        var stored = await (await client.GetAsync($"companies/{id}")).JsonAsync();
        Assert.Empty(stored.GetProperty("custom_attributes").EnumerateObject());
    }

    /// <summary>
    /// A company's custom attributes may name people: written through the API, a value is in no
    /// database file (with its -wal) nor a PostgreSQL dump in any encoding, while the company's
    /// name — a business record kept in clear — is found there (the scan's positive control).
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CustomAttributeValues_AreNotStoredInPlaintext(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var markers = new CanaryMarkers();
        var control = $"control{Guid.NewGuid():N}";

        var id = (await (await client.PostJsonAsync("companies", new { company_id = "acme", name = control, custom_attributes = new { account_manager = markers["created"] } })).JsonAsync()).Str("id");
        await (await client.PutAsJsonAsync($"companies/{id}", new { custom_attributes = new { billing_contact = markers["updated"] } })).JsonAsync();
        var read = (await (await client.GetAsync($"companies/{id}")).JsonAsync()).GetProperty("custom_attributes");
        Assert.Equal((markers["created"], markers["updated"]), (read.Str("account_manager"), read.Str("billing_contact")));
        var sealedValue = await workspace.ReadAsync(db => db.Companies.Where(c => c.Id == id).Select(c => c.EncryptedCustomAttributes).SingleAsync());
        Assert.NotNull(sealedValue);

        var storage = await RawStorage.ReadAsync(server);
        Assert.True(storage.Contains(control), "The scan found not even the control.");
        var found = storage.Find(markers);
        Assert.True(found.Count == 0, "A company's custom attribute found in storage: " + string.Join("; ", found));
    }

    /// <summary>A contact's links to companies are in their access export, and go with their erasure; the company stays.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactLinks_AreExported_AndErasedWithTheContact(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var email = $"subject-{Guid.NewGuid():N}@example.com";
        var contact = (await (await client.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var company = (await (await client.PostJsonAsync("companies", new { company_id = "acme", name = "Acme" })).JsonAsync()).Str("id");
        await (await client.PostJsonAsync($"contacts/{contact}/companies", new { id = company })).JsonAsync();

        var request = (await (await client.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email })).JsonAsync()).Str("id");
        var exportId = (await (await client.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
        await SubjectExportApiTests.CompletedAsync(client, exportId);
        var (json, _) = await SubjectExportApiTests.DownloadAsync(client, exportId);
        using (var document = JsonDocument.Parse(json))
        {
            var link = Assert.Single(document.RootElement.GetProperty("categories").GetProperty(DataCategories.SystemOperations).GetProperty("contact_company").EnumerateArray());
            Assert.Equal((company, "acme", "Acme"), (link.Str("company_id"), link.Str("external_company_id"), link.Str("name")));
            Assert.True(link.GetProperty("attached_at").GetInt64() > 0);
        }

        await (await client.DeleteAsync($"contacts/{contact}")).JsonAsync();
        // Hidden at once (the company no longer counts the contact), gone once the purge ran.
        Assert.Equal(0, (await (await client.GetAsync($"companies/{company}")).JsonAsync()).GetProperty("user_count").GetInt32());
        Assert.Equal(0, (await (await client.GetAsync($"companies/{company}/contacts")).JsonAsync()).GetProperty("total_count").GetInt32());
        await Poll.UntilAsync(
            () => workspace.ReadAsync(db => db.ContactCompanies.CountAsync(l => l.ContactId == contact)),
            left => left == 0, TimeSpan.FromSeconds(60), "the erased contact's company links to be purged");
        Assert.Equal("Acme", (await (await client.GetAsync($"companies/{company}")).JsonAsync()).Str("name"));
    }
}
