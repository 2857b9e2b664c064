using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's data attributes: the built-in fields of each model and the workspace's custom
/// ones, created, changed and archived with Intercom's errors and an activity-log entry each;
/// and contacts' custom attributes checked against the definitions once there are any.
/// </summary>
public sealed class DataAttributeApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CustomAttributes_AreCreatedListedChangedAndArchived_AndLogged(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        var builtIn = (await (await api.GetAsync("data_attributes?model=contact")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(builtIn, a => a.Str("name") == "email" && a.Str("data_type") == "string" && !a.GetProperty("custom").GetBoolean());
        Assert.All(builtIn, a => Assert.Equal(("data_attribute", "contact"), (a.Str("type"), a.Str("model"))));
        Assert.All(builtIn, a => Assert.False(a.TryGetProperty("id", out _)));
        var all = (await (await api.GetAsync("data_attributes")).JsonAsync()).GetProperty("data").EnumerateArray().Select(a => a.Str("model")).Distinct().ToList();
        Assert.Equal(["contact", "company", "conversation"], all);

        var plan = await (await api.PostJsonAsync("data_attributes", new { name = "Plan tier", model = "contact", data_type = "string", description = "The plan", options = new[] { "free", "pro" } })).JsonAsync();
        Assert.Equal(("Plan tier", "custom_attributes.Plan tier", "Plan tier", "string", "The plan"), (plan.Str("name"), plan.Str("full_name"), plan.Str("label"), plan.Str("data_type"), plan.Str("description")));
        Assert.True(plan.GetProperty("custom").GetBoolean());
        Assert.Equal(workspace.OwnerId, plan.Str("admin_id"));
        Assert.Equal(["free", "pro"], plan.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        var planId = plan.GetProperty("id").GetInt64();
        var seats = await (await api.PostJsonAsync("data_attributes", new { name = "seats", model = "contact", data_type = "integer" })).JsonAsync();
        Assert.Equal(planId + 1, seats.GetProperty("id").GetInt64());
        // The same name in another model is another attribute.
        await (await api.PostJsonAsync("data_attributes", new { name = "seats", model = "company", data_type = "datetime" })).JsonAsync();

        var custom = (await (await api.GetAsync("data_attributes?model=contact")).JsonAsync()).GetProperty("data").EnumerateArray().Where(a => a.GetProperty("custom").GetBoolean()).ToList();
        Assert.Equal(["Plan tier", "seats"], custom.Select(a => a.Str("name")));

        var changed = await (await api.PutAsJsonAsync($"data_attributes/{planId}", new { description = "Which plan", options = new[] { new { value = "free" }, new { value = "pro" }, new { value = "team" } } })).JsonAsync();
        Assert.Equal(["free", "pro", "team"], changed.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal("Which plan", changed.Str("description"));
        Assert.True((await (await api.PutAsJsonAsync($"data_attributes/{seats.GetProperty("id").GetInt64()}", new { archived = true })).JsonAsync()).GetProperty("archived").GetBoolean());
        var listed = (await (await api.GetAsync("data_attributes?model=contact")).JsonAsync()).GetProperty("data").EnumerateArray().Where(a => a.GetProperty("custom").GetBoolean()).ToList();
        Assert.Equal(["Plan tier"], listed.Select(a => a.Str("name")));
        var withArchived = (await (await api.GetAsync("data_attributes?model=contact&include_archived=true")).JsonAsync()).GetProperty("data").EnumerateArray().Where(a => a.GetProperty("custom").GetBoolean()).ToList();
        Assert.Equal(["Plan tier", "seats"], withArchived.Select(a => a.Str("name")));

        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type").StartsWith("data_attribute", StringComparison.Ordinal)).ToList();
        Assert.Equal([ActivityTypes.DataAttributeCreation, ActivityTypes.DataAttributeCreation, ActivityTypes.DataAttributeCreation, ActivityTypes.DataAttributeChange, ActivityTypes.DataAttributeChange],
            entries.Select(e => e.Str("activity_type")));
        Assert.Equal(("data_attribute", planId.ToString(System.Globalization.CultureInfo.InvariantCulture)), (entries[0].GetProperty("target").Str("type"), entries[0].GetProperty("target").Str("id")));
        Assert.Equal(["free", "pro", "team"], entries[3].GetProperty("metadata").GetProperty("after").GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.True(entries[3].GetProperty("metadata").GetProperty("description_changed").GetBoolean());
        Assert.DoesNotContain("Which plan", entries[3].GetRawText(), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadDefinitions_AreIntercomErrors(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var id = (await (await api.PostJsonAsync("data_attributes", new { name = "The One Ring", model = "company", data_type = "string" })).JsonAsync()).GetProperty("id").GetInt64();

        await (await api.PostJsonAsync("data_attributes", new { name = "The One Ring", model = "company", data_type = "string" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "!nv@l!d n@me", model = "company", data_type = "string" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "a.b", model = "contact", data_type = "string" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "The Second Ring", model = "company", data_type = "mithril" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "Ring", model = "ticket", data_type = "string" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "Ring", model = "contact", data_type = "options" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { description = "Just a plain old ring", options = new[] { new { value = "1-10" } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("data_attributes", new { name = "Ring", model = "contact", data_type = "string", options = new[] { "only one" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "Ring", model = "contact", data_type = "integer", options = new[] { "1", "2" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = new string('r', 191), model = "contact", data_type = "string" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("data_attributes", new { name = "Ring", model = "contact", data_type = "string", options = "not a list" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        await (await api.PutAsJsonAsync($"data_attributes/{id}", new { description = "Too few options", options = new { value = "1-10" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PutAsJsonAsync("data_attributes/999999", new { description = "x" })).ErrorAsync(HttpStatusCode.NotFound, "field_not_found");
        await (await api.PutAsJsonAsync("data_attributes/not-a-number", new { description = "x" })).ErrorAsync(HttpStatusCode.NotFound, "field_not_found");
        await (await otherApi.PutAsJsonAsync($"data_attributes/{id}", new { description = "x" })).ErrorAsync(HttpStatusCode.NotFound, "field_not_found");
        await (await api.GetAsync("data_attributes?model=ticket")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("data_attributes?include_archived=perhaps")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.DoesNotContain((await (await otherApi.GetAsync("data_attributes?model=company")).JsonAsync()).GetProperty("data").EnumerateArray(), a => a.Str("name") == "The One Ring");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactAttributes_AreCheckedAgainstTheDefinitions_OnceThereAreAny(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        // No definition yet: anything flat is accepted, as before.
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"attrs-{Guid.NewGuid():N}@example.com", custom_attributes = new { anything = "goes", seats = "three" } })).JsonAsync()).Str("id");

        await (await api.PostJsonAsync("data_attributes", new { name = "plan", model = "contact", data_type = "string", options = new[] { "free", "pro" } })).JsonAsync();
        var seatsId = (await (await api.PostJsonAsync("data_attributes", new { name = "seats", model = "contact", data_type = "integer" })).JsonAsync()).GetProperty("id").GetInt64();
        await (await api.PostJsonAsync("data_attributes", new { name = "paid", model = "contact", data_type = "boolean" })).JsonAsync();
        await (await api.PostJsonAsync("data_attributes", new { name = "renews", model = "contact", data_type = "date" })).JsonAsync();
        await (await api.PostJsonAsync("data_attributes", new { name = "score", model = "contact", data_type = "float" })).JsonAsync();
        // The SDK's list attribute: data_type "options", options as {"value"} objects.
        var tier = await (await api.PostJsonAsync("data_attributes", new { name = "tier", model = "contact", data_type = "options", options = new[] { new { value = "a" }, new { value = "b" } } })).JsonAsync();
        Assert.Equal(("string", "a,b"), (tier.Str("data_type"), string.Join(',', tier.GetProperty("options").EnumerateArray().Select(o => o.GetString()))));
        await (await api.PutAsJsonAsync($"contacts/{contactId}", new { custom_attributes = new { tier = "b" } })).JsonAsync();
        await (await api.PutAsJsonAsync($"contacts/{contactId}", new { custom_attributes = new { tier = "c" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var updated = await (await api.PutAsJsonAsync($"contacts/{contactId}", new { custom_attributes = new { plan = "pro", seats = 3, paid = true, renews = 1_800_000_000, score = 4.5 } })).JsonAsync();
        Assert.Equal(3, updated.GetProperty("custom_attributes").GetProperty("seats").GetInt32());
        Assert.Equal("goes", updated.GetProperty("custom_attributes").Str("anything"));
        await (await api.PutAsJsonAsync($"contacts/{contactId}", new { custom_attributes = new { score = 4, plan = (string?)null } })).JsonAsync();

        var errors = new List<JsonElement>();
        foreach (var attributes in new object[]
        {
            new { seats = "3" }, new { seats = 3.5 }, new { plan = "gold" }, new { plan = 1 }, new { paid = "yes" },
            new { renews = "2027-01-01" }, new { score = "high" }, new { undefined = "x" },
        })
        {
            errors.Add(await (await api.PutAsJsonAsync($"contacts/{contactId}", new { custom_attributes = attributes })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid"));
            await (await api.PostJsonAsync("contacts", new { email = $"new-{Guid.NewGuid():N}@example.com", custom_attributes = attributes })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        Assert.Contains("custom_attributes.seats", errors[0].GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        Assert.DoesNotContain("gold", errors[2].GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);

        // Archived: refused from then on.
        await (await api.PutAsJsonAsync($"data_attributes/{seatsId}", new { archived = true })).JsonAsync();
        await (await api.PutAsJsonAsync($"contacts/{contactId}", new { custom_attributes = new { seats = 4 } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var contact = await (await api.GetAsync($"contacts/{contactId}")).JsonAsync();
        Assert.Equal(3, contact.GetProperty("custom_attributes").GetProperty("seats").GetInt32());
    }
}
