using System.Net;
using System.Net.Http.Json;
using System.Text;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Api;

/// <summary>
/// Segments as saved contact filters: defined through Confide's own endpoints with a query in
/// Intercom's search language, read with Intercom's shapes; membership is the query's answer at
/// the time of reading (an erased contact leaves every segment); the query is sealed, never in
/// the activity log.
/// </summary>
public sealed class SegmentApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Segments_AreSavedFilters_CountedAndMatchedWhenRead(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var vipEmail = $"vip-{Guid.NewGuid():N}@example.com";
        var vip = (await (await api.PostJsonAsync("contacts", new { email = vipEmail, external_id = "vip-1" })).JsonAsync()).Str("id");
        var plain = (await (await api.PostJsonAsync("contacts", new { email = $"plain-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var lead = (await (await api.PostJsonAsync("contacts", new { role = "lead", email = $"lead-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        Assert.Empty((await (await api.GetAsync("segments")).JsonAsync()).GetProperty("segments").EnumerateArray());

        var vips = await (await api.PostJsonAsync("confide/segments", new
        {
            name = "VIPs",
            query = new { @operator = "OR", value = new object[] { new { field = "email", @operator = "=", value = vipEmail }, new { field = "external_id", @operator = "=", value = "vip-1" } } },
        })).JsonAsync();
        Assert.Equal(("segment", "VIPs", "user"), (vips.Str("type"), vips.Str("name"), vips.Str("person_type")));
        Assert.Equal("OR", vips.GetProperty("query").Str("operator"));
        var everyone = await (await api.PostJsonAsync("confide/segments", new { name = "All users", query = new { field = "created_at", @operator = ">", value = 0 } })).JsonAsync();
        var leads = await (await api.PostJsonAsync("confide/segments", new { name = "Leads", person_type = "contact", query = new { field = "created_at", @operator = ">", value = 0 } })).JsonAsync();

        var list = await (await api.GetAsync("segments")).JsonAsync();
        Assert.Equal("segment.list", list.Str("type"));
        var segments = list.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(["VIPs", "All users", "Leads"], segments.Select(s => s.Str("name")));
        Assert.All(segments, s => Assert.False(s.TryGetProperty("count", out _)));
        Assert.All(segments, s => Assert.False(s.TryGetProperty("query", out _)));
        var counted = (await (await api.GetAsync("segments?include_count=true")).JsonAsync()).GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal([1, 2, 1], counted.Select(s => s.GetProperty("count").GetInt32()));

        var one = await (await api.GetAsync($"segments/{vips.Str("id")}")).JsonAsync();
        Assert.Equal((vips.Str("id"), "VIPs", "user"), (one.Str("id"), one.Str("name"), one.Str("person_type")));
        Assert.True(one.GetProperty("created_at").GetInt64() > 0 && one.GetProperty("updated_at").GetInt64() > 0);

        var ofVip = await (await api.GetAsync($"contacts/{vip}/segments")).JsonAsync();
        Assert.Equal("list", ofVip.Str("type"));
        Assert.Equal(["VIPs", "All users"], ofVip.GetProperty("data").EnumerateArray().Select(s => s.Str("name")));
        Assert.Equal(["All users"], (await (await api.GetAsync($"contacts/{plain}/segments")).JsonAsync()).GetProperty("data").EnumerateArray().Select(s => s.Str("name")));
        Assert.Equal(["Leads"], (await (await api.GetAsync($"contacts/{lead}/segments")).JsonAsync()).GetProperty("data").EnumerateArray().Select(s => s.Str("name")));

        // Changed: membership follows the new query at once.
        var changed = await (await api.PutAsJsonAsync($"confide/segments/{vips.Str("id")}", new { name = "Very important", query = new { field = "id", @operator = "=", value = plain } })).JsonAsync();
        Assert.Equal(("Very important", "="), (changed.Str("name"), changed.GetProperty("query").Str("operator")));
        Assert.Equal(["Very important", "All users"], (await (await api.GetAsync($"contacts/{plain}/segments")).JsonAsync()).GetProperty("data").EnumerateArray().Select(s => s.Str("name")));
        Assert.Equal(["All users"], (await (await api.GetAsync($"contacts/{vip}/segments")).JsonAsync()).GetProperty("data").EnumerateArray().Select(s => s.Str("name")));
        var reread = await (await api.GetAsync($"confide/segments/{vips.Str("id")}")).JsonAsync();
        Assert.Equal("id", reread.GetProperty("query").Str("field"));

        // An erased contact is in no segment any more.
        await (await api.DeleteAsync($"contacts/{vip}")).JsonAsync();
        Assert.Equal([1, 1, 1], (await (await api.GetAsync("segments?include_count=true")).JsonAsync()).GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("count").GetInt32()));

        var deleted = await (await api.DeleteAsync($"confide/segments/{leads.Str("id")}")).JsonAsync();
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        await (await api.GetAsync($"segments/{leads.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await api.GetAsync($"contacts/{lead}/segments")).JsonAsync()).GetProperty("data").EnumerateArray());

        // Another workspace sees none of it.
        await (await otherApi.GetAsync($"segments/{everyone.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.GetAsync($"contacts/{plain}/segments")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.DeleteAsync($"confide/segments/{everyone.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await otherApi.GetAsync("segments")).JsonAsync()).GetProperty("segments").EnumerateArray());

        // The query is sealed in storage and never in the log, which records the name and what changed.
        var stored = await workspace.ReadAsync(db => db.Segments.Where(s => s.WorkspaceId == workspace.Id).Select(s => s.EncryptedQuery).ToListAsync());
        Assert.All(stored, bytes => Assert.DoesNotContain("created_at", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal));
        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type").StartsWith("segment_", StringComparison.Ordinal)).ToList();
        Assert.Equal([ActivityTypes.SegmentCreation, ActivityTypes.SegmentCreation, ActivityTypes.SegmentCreation, ActivityTypes.SegmentChange, ActivityTypes.SegmentDeletion], entries.Select(e => e.Str("activity_type")));
        Assert.True(entries[3].GetProperty("metadata").GetProperty("query_changed").GetBoolean());
        Assert.Equal("Very important", entries[3].GetProperty("metadata").GetProperty("after").Str("name"));
        Assert.All(entries, e => Assert.DoesNotContain(vipEmail, e.GetRawText(), StringComparison.OrdinalIgnoreCase));
        Assert.All(entries, e => Assert.DoesNotContain(plain, e.GetProperty("metadata").GetRawText(), StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadSegments_AreIntercomErrors(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var query = new { field = "role", @operator = "=", value = "user" };
        await (await api.PostJsonAsync("confide/segments", new { name = "Users", query })).JsonAsync();

        await (await api.PostJsonAsync("confide/segments", new { name = "Users", query })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await api.PostJsonAsync("confide/segments", new { query })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("confide/segments", new { name = "No query" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("confide/segments", new { name = "Array", query = new[] { 1 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/segments", new { name = "Unknown field", query = new { field = "shoe_size", @operator = "=", value = 1 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/segments", new { name = "Kind", person_type = "visitor", query })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PutAsJsonAsync("confide/segments/0123456789abcdef01234567", new { name = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync("segments/0123456789abcdef01234567")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync("contacts/0123456789abcdef01234567/segments")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Single((await (await api.GetAsync("segments")).JsonAsync()).GetProperty("segments").EnumerateArray());
    }
}
