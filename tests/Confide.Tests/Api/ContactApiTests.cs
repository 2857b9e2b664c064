using System.Net.Http.Json;
using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Api;

public sealed class ContactApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Create_Get_Update_Delete_RoundTripsAContact(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        var created = await (await client.PostJsonAsync("contacts", new
        {
            email = "Ada@Example.com",
            external_id = "ext-1",
            name = "Ada",
            phone = "+44 20 7946 0000",
            custom_attributes = new { plan = "pro", seats = 3 },
        })).JsonAsync();
        var id = created.Str("id");
        Assert.Equal("contact", created.Str("type"));
        Assert.Equal("user", created.Str("role"));
        Assert.Equal(workspace.Id, created.Str("workspace_id"));
        Assert.Equal("pro", created.GetProperty("custom_attributes").Str("plan"));

        var fetched = await (await client.GetAsync($"contacts/{id}")).JsonAsync();
        Assert.Equal("Ada@Example.com", fetched.Str("email"));

        var updated = await (await client.PutAsJsonAsync($"contacts/{id}", new { name = "Ada L.", custom_attributes = new { seats = 5 } })).JsonAsync();
        Assert.Equal("Ada L.", updated.Str("name"));
        Assert.Equal("pro", updated.GetProperty("custom_attributes").Str("plan"));
        Assert.Equal(5, updated.GetProperty("custom_attributes").GetProperty("seats").GetInt32());

        var byExternal = await (await client.GetAsync("contacts/find_by_external_id/ext-1")).JsonAsync();
        Assert.Equal(id, byExternal.Str("id"));

        var archived = await (await client.PostAsync($"contacts/{id}/archive", null)).JsonAsync();
        Assert.True(archived.GetProperty("archived").GetBoolean());
        var unarchived = await (await client.PostAsync($"contacts/{id}/unarchive", null)).JsonAsync();
        Assert.False(unarchived.GetProperty("archived").GetBoolean());

        var deleted = await (await client.DeleteAsync($"contacts/{id}")).JsonAsync();
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal("ext-1", deleted.Str("external_id"));
        await (await client.GetAsync($"contacts/{id}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Create_DuplicateUserEmailOrExternalId_Conflicts(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        await (await client.PostJsonAsync("contacts", new { email = "dup@example.com", external_id = "dup" })).JsonAsync();

        await (await client.PostJsonAsync("contacts", new { email = "DUP@example.com" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await client.PostJsonAsync("contacts", new { external_id = "dup", role = "lead" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        // Leads may share an email with a user.
        await (await client.PostJsonAsync("contacts", new { email = "dup@example.com", role = "lead" })).JsonAsync();
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task List_PagesThroughEveryContactOnce(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var ids = new HashSet<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await (await client.PostJsonAsync("contacts", new { email = $"p{i}@example.com" })).JsonAsync()).Str("id"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetAsync($"contacts?per_page=3{(cursor is null ? "" : $"&starting_after={cursor}")}")).JsonAsync();
            Assert.Equal(7, page.GetProperty("total_count").GetInt32());
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
            var next = page.GetProperty("pages").GetProperty("next");
            cursor = next.ValueKind == System.Text.Json.JsonValueKind.Null ? null : next.Str("starting_after");
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(seen.OrderDescending(), seen);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Search_SupportsEqualityRangesAndNesting(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var ada = (await (await client.PostJsonAsync("contacts", new { email = "ada@example.com", external_id = "a-1" })).JsonAsync()).Str("id");
        var bob = (await (await client.PostJsonAsync("contacts", new { email = "bob@example.com", role = "lead" })).JsonAsync()).Str("id");
        var cy = (await (await client.PostJsonAsync("contacts", new { email = "cy@example.com", external_id = "c-3" })).JsonAsync()).Str("id");

        async Task<string[]> Search(object query)
        {
            var result = await (await client.PostJsonAsync("contacts/search", new { query })).JsonAsync();
            return [.. result.GetProperty("data").EnumerateArray().Select(c => c.Str("id")).Order()];
        }

        Assert.Equal([ada], await Search(new { field = "email", @operator = "=", value = "ADA@example.com" }));
        Assert.Equal([cy], await Search(new { field = "external_id", @operator = "=", value = "c-3" }));
        Assert.Equal([bob], await Search(new { field = "role", @operator = "=", value = "lead" }));
        Assert.Equal(new[] { ada, cy }.Order(), await Search(new { field = "role", @operator = "!=", value = "lead" }));
        Assert.Equal(new[] { ada, bob }.Order(), await Search(new
        {
            @operator = "OR",
            value = new object[]
            {
                new { field = "email", @operator = "=", value = "ada@example.com" },
                new { @operator = "AND", value = new object[] { new { field = "role", @operator = "=", value = "lead" }, new { field = "email", @operator = "IN", value = new[] { "bob@example.com", "x@example.com" } } } },
            },
        }));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(3, (await Search(new { field = "created_at", @operator = ">", value = now - 3600 })).Length);
        Assert.Empty(await Search(new { field = "created_at", @operator = "<", value = now - 3600 }));
        Assert.Empty(await Search(new { field = "updated_at", @operator = ">", value = now + 3600 }));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Search_RejectsUnsupportedQueriesWithClearErrors(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        object[] bad =
        [
            new { },
            new { query = new { field = "email", @operator = ">", value = "a" } },
            new { query = new { field = "password", @operator = "=", value = "a" } },
            new { query = new { field = "created_at", @operator = ">", value = "yesterday" } },
            new { query = new { @operator = "AND", value = Array.Empty<object>() } },
            new { query = new { field = "email", @operator = "=", value = 5 } },
            new { query = new { field = "role", @operator = "=", value = "user" }, pagination = new { per_page = 1000 } },
            new { query = new { field = "role", @operator = "=", value = "user" }, pagination = new { starting_after = "not-a-cursor" } },
        ];
        foreach (var body in bad)
        {
            var response = await client.PostJsonAsync("contacts/search", body);
            await response.ErrorAsync(HttpStatusCode.BadRequest, response.StatusCode == HttpStatusCode.BadRequest && body.ToString()!.Contains("{ }", StringComparison.Ordinal) ? "parameter_not_found" : "parameter_invalid");
        }
    }
}
