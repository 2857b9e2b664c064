using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>
/// What a client written for Intercom meets: the <c>Intercom-Version</c> header, the answer for
/// an Intercom endpoint Confide does not serve, the keys Intercom's description requires in the
/// bodies Confide does serve, <c>PUT /admins/{id}/away</c>, and admin ids sent as JSON numbers.
/// </summary>
public sealed class IntercomCompatibilityTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task IntercomVersion_ServedVersionsAndNone_Answered_OthersRefusedBeforeAnythingIsWritten(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        // Test clients send the SDK's 2.14 by default; without the header at all, the answer is 2.11's.
        using (var bare = workspace.Client())
        {
            Assert.True(bare.DefaultRequestHeaders.Remove("Intercom-Version"));
            Assert.Equal(workspace.OwnerId, (await (await bare.GetAsync("me")).JsonAsync()).Str("id"));
        }

        foreach (var version in new[] { "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", " 2.11 " })
        {
            using var request = Versioned(HttpMethod.Get, "me", version);
            Assert.Equal(workspace.OwnerId, (await (await api.SendAsync(request)).JsonAsync()).Str("id"));
        }

        foreach (var version in new[] { "2.8", "1.4", "2.15", "Unstable", "Preview", "two" })
        {
            using var request = Versioned(HttpMethod.Get, "me", version);
            var error = await (await api.SendAsync(request)).ErrorAsync(HttpStatusCode.BadRequest, "intercom_version_invalid");
            var message = error.GetProperty("errors")[0].Str("message");
            Assert.Contains("2.9, 2.10, 2.11, 2.12, 2.13, 2.14", message, StringComparison.Ordinal);
            Assert.Contains("docs/api.md", message, StringComparison.Ordinal);
        }

        // Two values are refused as well.
        using (var twice = Versioned(HttpMethod.Get, "me", "2.11"))
        {
            twice.Headers.TryAddWithoutValidation("Intercom-Version", "2.10");
            await (await api.SendAsync(twice)).ErrorAsync(HttpStatusCode.BadRequest, "intercom_version_invalid");
        }

        // Refused before the endpoint runs: the contact is not created.
        var email = $"versioned-{Guid.NewGuid():N}@example.com";
        using (var create = Versioned(HttpMethod.Post, "contacts", "Unstable"))
        {
            create.Content = JsonContent(new { email });
            await (await api.SendAsync(create)).ErrorAsync(HttpStatusCode.BadRequest, "intercom_version_invalid");
        }

        var search = await (await api.PostJsonAsync("contacts/search", new { query = new { field = "email", @operator = "=", value = email } })).JsonAsync();
        Assert.Equal(0, search.GetProperty("total_count").GetInt32());
        using (var create = Versioned(HttpMethod.Post, "contacts", "2.14"))
        {
            create.Content = JsonContent(new { email });
            await (await api.SendAsync(create)).JsonAsync();
        }

        // Without a valid token the answer is the 401, whatever the version.
        using var stranger = server.Client(Region.Eu, "cfd_eu_not-a-token");
        using var unknown = Versioned(HttpMethod.Get, "me", "Unstable");
        await (await stranger.SendAsync(unknown)).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task UnservedIntercomEndpoints_Answer404SayingSo_WhileMissingObjectsKeepTheirOwnMessage(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        (HttpMethod Method, string Path, string? Family)[] unserved =
        [
            (HttpMethod.Get, "articles", "Articles"),
            (HttpMethod.Post, "articles", "Articles"),
            (HttpMethod.Get, "articles/search-term-canary", "Articles"),
            (HttpMethod.Get, "help_center/collections", "Help Center"),
            (HttpMethod.Get, "news/news_items", "News"),
            (HttpMethod.Post, "tickets", "Tickets"),
            (HttpMethod.Get, "ticket_types", "Ticket types"),
            (HttpMethod.Post, "phone_call_redirects", "Phone call redirects"),
            (HttpMethod.Get, "contacts/0123456789abcdef01234567/unknown-canary", null),
            (HttpMethod.Get, "no/such/endpoint", null),
        ];
        foreach (var (method, path, family) in unserved)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
            {
                request.Content = JsonContent(new { });
            }

            var error = await (await api.SendAsync(request)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            var message = error.GetProperty("errors")[0].Str("message");
            Assert.Contains("not supported by Confide", message, StringComparison.Ordinal);
            Assert.Contains("docs/api.md", message, StringComparison.Ordinal);
            Assert.DoesNotContain("canary", message, StringComparison.Ordinal);
            if (family is not null)
            {
                Assert.Contains(family, message, StringComparison.Ordinal);
            }
        }

        // Without a token as well: the route does not exist for anyone.
        using var anonymous = server.Client(Region.Eu);
        var anonymousError = await (await anonymous.GetAsync("articles")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Contains("not supported by Confide", anonymousError.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);

        // A missing object of an endpoint Confide serves is still a missing object.
        foreach (var path in new[] { "contacts/0123456789abcdef01234567", "conversations/0123456789abcdef01234567", "admins/0123456789abcdef01234567", "teams/0123456789abcdef01234567" })
        {
            var missing = await (await api.GetAsync(path)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            Assert.DoesNotContain("not supported", missing.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        }

        // Confide's own paths keep the plain answer.
        var own = await (await api.GetAsync("confide/no_such_thing")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain("not supported", own.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ServedBodies_CarryTheKeysIntercomRequires(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var teamId = (await (await owner.PostJsonAsync("confide/teams", new { name = "Support", admin_ids = new[] { workspace.OwnerId } })).JsonAsync()).Str("id");

        // Admins: job_title (a string), away_mode_reassign, team_ids, in /me as in /admins.
        var me = await (await owner.GetAsync("me")).JsonAsync();
        var listed = (await (await owner.GetAsync("admins")).JsonAsync()).GetProperty("admins").EnumerateArray().Single(a => a.Str("id") == workspace.OwnerId);
        var found = await (await owner.GetAsync($"admins/{workspace.OwnerId}")).JsonAsync();
        foreach (var admin in new[] { me, listed, found })
        {
            AssertAdmin(admin, workspace.OwnerId);
            Assert.Equal([teamId], admin.GetProperty("team_ids").EnumerateArray().Select(t => t.GetString()));
        }

        // Contacts: browser_version and browser_language, null where unknown.
        var contact = await (await owner.PostJsonAsync("contacts", new { email = $"shape-{Guid.NewGuid():N}@example.com" })).JsonAsync();
        var contactId = contact.Str("id");
        foreach (var key in new[] { "browser", "browser_version", "browser_language", "os" })
        {
            Assert.Equal(JsonValueKind.Null, contact.GetProperty(key).ValueKind);
        }

        // Notes: the author is a full admin.
        var note = await (await owner.PostJsonAsync($"contacts/{contactId}/notes", new { body = "A note" })).JsonAsync();
        AssertAdmin(note.GetProperty("author"), workspace.OwnerId);
        AssertAdmin((await (await owner.GetAsync($"notes/{note.Str("id")}")).JsonAsync()).GetProperty("author"), workspace.OwnerId);
        AssertAdmin((await (await owner.GetAsync($"contacts/{contactId}/notes")).JsonAsync()).GetProperty("data")[0].GetProperty("author"), workspace.OwnerId);

        // Tags shown as applied: applied_at and applied_by; tagging again keeps the first.
        var tagId = (await (await owner.PostJsonAsync("tags", new { name = $"vip-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
        var applied = await (await owner.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
        AssertApplied(applied, tagId, workspace.OwnerId);
        var again = await (await owner.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
        Assert.Equal(applied.GetProperty("applied_at").GetInt64(), again.GetProperty("applied_at").GetInt64());
        AssertApplied((await (await owner.GetAsync($"contacts/{contactId}/tags")).JsonAsync()).GetProperty("data")[0], tagId, workspace.OwnerId);

        // Conversations: custom_attributes and topics ({}), teammates, statistics; assigned_to only on assignments.
        var conversationId = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");
        var fresh = await (await owner.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Empty(fresh.GetProperty("teammates").GetProperty("admins").EnumerateArray());
        Assert.Equal(0, fresh.GetProperty("statistics").GetProperty("count_conversation_parts").GetInt32());
        Assert.False(fresh.GetProperty("statistics").TryGetProperty("first_admin_reply_at", out _));

        await (await owner.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = "Hi" })).JsonAsync();
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "close" })).JsonAsync();
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "open" })).JsonAsync();
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "assignment", assignee_id = workspace.OwnerId })).JsonAsync();
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "assignment", assignee_id = "0" })).JsonAsync();
        var conversation = await (await owner.GetAsync($"conversations/{conversationId}")).JsonAsync();
        AssertConversationKeys(conversation, workspace.OwnerId);
        var statistics = conversation.GetProperty("statistics");
        Assert.Equal(5, statistics.GetProperty("count_conversation_parts").GetInt32());
        Assert.Equal(1, statistics.GetProperty("count_reopens").GetInt32());
        Assert.Equal(2, statistics.GetProperty("count_assignments").GetInt32());
        Assert.Equal(workspace.OwnerId, statistics.Str("last_closed_by_id"));
        Assert.True(statistics.GetProperty("first_admin_reply_at").GetInt64() >= conversation.GetProperty("created_at").GetInt64());
        Assert.True(statistics.GetProperty("time_to_admin_reply").GetInt64() >= 0);
        Assert.True(statistics.GetProperty("first_contact_reply_at").GetInt64() >= conversation.GetProperty("created_at").GetInt64());

        var parts = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().ToList();
        Assert.Equal(["comment", "close", "open", "assignment", "assignment"], parts.Select(p => p.Str("part_type")));
        Assert.All(parts.Take(3), p => Assert.False(p.TryGetProperty("assigned_to", out _)));
        Assert.Equal(("admin", workspace.OwnerId), (parts[3].GetProperty("assigned_to").Str("type"), parts[3].GetProperty("assigned_to").Str("id")));
        Assert.Equal("nobody_admin", parts[4].GetProperty("assigned_to").Str("type"));
        Assert.False(parts[4].GetProperty("assigned_to").TryGetProperty("id", out _));

        // The list item carries the same teammates and statistics.
        var item = (await (await owner.GetAsync("conversations")).JsonAsync()).GetProperty("conversations").EnumerateArray().Single(c => c.Str("id") == conversationId);
        AssertConversationKeys(item, workspace.OwnerId);
        Assert.Equal(statistics.GetRawText(), item.GetProperty("statistics").GetRawText());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AwayMode_SetByTheTeammateOrAManager_ShownEverywhere_LoggedOncePerChange(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var agentId = (await (await owner.PostJsonAsync("confide/teammates", new { email = $"away-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync()).Str("id");
        using var agent = server.Client(Region.Eu, await MintAsync(server, workspace, agentId, "agent"));

        var away = await (await PutJsonAsync(owner, $"admins/{workspace.OwnerId}/away", new { away_mode_enabled = true, away_mode_reassign = true })).JsonAsync();
        AssertAdmin(away, workspace.OwnerId);
        Assert.True(away.GetProperty("away_mode_enabled").GetBoolean());
        Assert.True(away.GetProperty("away_mode_reassign").GetBoolean());
        foreach (var shown in new[] { await (await owner.GetAsync("me")).JsonAsync(), await (await owner.GetAsync($"admins/{workspace.OwnerId}")).JsonAsync() })
        {
            Assert.True(shown.GetProperty("away_mode_enabled").GetBoolean());
            Assert.True(shown.GetProperty("away_mode_reassign").GetBoolean());
        }

        // The same values again change nothing and record nothing.
        await (await PutJsonAsync(owner, $"admins/{workspace.OwnerId}/away", new { away_mode_enabled = true, away_mode_reassign = true })).JsonAsync();

        // A teammate sets their own; a manager sets a colleague's; an agent not a colleague's.
        var own = await (await PutJsonAsync(agent, $"admins/{agentId}/away", new { away_mode_enabled = true, away_mode_reassign = false })).JsonAsync();
        Assert.True(own.GetProperty("away_mode_enabled").GetBoolean());
        Assert.False(own.GetProperty("away_mode_reassign").GetBoolean());
        await (await PutJsonAsync(agent, $"admins/{workspace.OwnerId}/away", new { away_mode_enabled = false, away_mode_reassign = false })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        var back = await (await PutJsonAsync(owner, $"admins/{agentId}/away", new { away_mode_enabled = false, away_mode_reassign = false })).JsonAsync();
        Assert.False(back.GetProperty("away_mode_enabled").GetBoolean());

        // Refusals: a missing or mistyped flag, an unknown or another workspace's teammate.
        await (await PutJsonAsync(owner, $"admins/{workspace.OwnerId}/away", new { away_mode_enabled = false })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await PutJsonAsync(owner, $"admins/{workspace.OwnerId}/away", new { away_mode_reassign = false })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await PutJsonAsync(owner, $"admins/{workspace.OwnerId}/away", new { away_mode_enabled = "yes", away_mode_reassign = false })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await PutJsonAsync(owner, "admins/0123456789abcdef01234567/away", new { away_mode_enabled = true, away_mode_reassign = true })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await PutJsonAsync(owner, $"admins/{other.OwnerId}/away", new { away_mode_enabled = true, away_mode_reassign = true })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.True((await (await owner.GetAsync($"admins/{workspace.OwnerId}")).JsonAsync()).GetProperty("away_mode_enabled").GetBoolean());

        var entries = (await ActivityLogTests.AllEntriesAsync(owner)).Where(e => e.Str("activity_type") == ActivityTypes.AdminAwayModeChange).ToList();
        Assert.Equal([workspace.OwnerId, agentId, agentId], entries.Select(e => e.GetProperty("target").Str("id")));
        Assert.Equal([workspace.OwnerId, agentId, workspace.OwnerId], entries.Select(e => e.GetProperty("performed_by").Str("id")));
        var first = entries[0].GetProperty("metadata");
        Assert.False(first.GetProperty("before").GetProperty("away_mode_enabled").GetBoolean());
        Assert.True(first.GetProperty("after").GetProperty("away_mode_enabled").GetBoolean());
        Assert.True(first.GetProperty("after").GetProperty("away_mode_reassign").GetBoolean());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AdminIds_SentAsJsonNumbers_AreReadAsIds(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = $"numeric-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");
        await (await owner.PostJsonAsync($"conversations/{conversationId}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "assignment", assignee_id = workspace.OwnerId })).JsonAsync();

        // assignee_id 0 as a number unassigns, as "0" does.
        var unassigned = await (await owner.PostRawAsync($"conversations/{conversationId}/parts",
            $$"""{"type":"admin","admin_id":"{{workspace.OwnerId}}","message_type":"assignment","assignee_id":0}""")).JsonAsync();
        Assert.Equal(JsonValueKind.Null, unassigned.GetProperty("admin_assignee_id").ValueKind);

        // A numeric admin_id is an id like any other: no teammate has this one (404), where a type error would be a 400.
        await (await owner.PostRawAsync($"conversations/{conversationId}/reply", """{"type":"admin","admin_id":123,"message_type":"comment","body":"Hi"}""")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.PostRawAsync($"conversations/{conversationId}/parts", """{"type":"admin","admin_id":123456789012345678901234567890,"message_type":"close"}""")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.PostRawAsync($"contacts/{contactId}/notes", """{"body":"A note","admin_id":123}""")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // Numbers that are not whole, and other types, stay a 400.
        foreach (var value in new[] { "1.5", "-1", "1e3", "true", "{}", "[1]" })
        {
            await (await owner.PostRawAsync($"contacts/{contactId}/notes", $$"""{"body":"A note","admin_id":{{value}}}""")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        // The refused requests wrote nothing: the two assignments are all.
        Assert.Equal(2, (await (await owner.GetAsync($"conversations/{conversationId}")).JsonAsync()).GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
    }

    private static void AssertAdmin(JsonElement admin, string id)
    {
        Assert.Equal("admin", admin.Str("type"));
        Assert.Equal(id, admin.Str("id"));
        Assert.Equal(JsonValueKind.String, admin.GetProperty("name").ValueKind);
        Assert.Equal(JsonValueKind.String, admin.GetProperty("email").ValueKind);
        Assert.Equal(JsonValueKind.String, admin.GetProperty("job_title").ValueKind);
        Assert.Contains(admin.GetProperty("away_mode_enabled").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Contains(admin.GetProperty("away_mode_reassign").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.True(admin.GetProperty("has_inbox_seat").GetBoolean());
        Assert.Equal(JsonValueKind.Array, admin.GetProperty("team_ids").ValueKind);
    }

    private static void AssertApplied(JsonElement tag, string tagId, string appliedBy)
    {
        Assert.Equal(("tag", tagId), (tag.Str("type"), tag.Str("id")));
        Assert.True(tag.GetProperty("applied_at").GetInt64() > 1_700_000_000);
        Assert.Equal(("admin", appliedBy), (tag.GetProperty("applied_by").Str("type"), tag.GetProperty("applied_by").Str("id")));
    }

    private static void AssertConversationKeys(JsonElement conversation, string adminId)
    {
        Assert.Equal(JsonValueKind.Object, conversation.GetProperty("custom_attributes").ValueKind);
        Assert.Empty(conversation.GetProperty("custom_attributes").EnumerateObject());
        Assert.Equal(JsonValueKind.Object, conversation.GetProperty("topics").ValueKind);
        var teammates = conversation.GetProperty("teammates");
        Assert.Equal("admin.list", teammates.Str("type"));
        foreach (var list in new[] { "admins", "teammates" })
        {
            Assert.Equal([("admin", adminId)], teammates.GetProperty(list).EnumerateArray().Select(a => (a.Str("type"), a.Str("id"))));
        }

        Assert.Equal("conversation_statistics", conversation.GetProperty("statistics").Str("type"));
    }

    private static HttpRequestMessage Versioned(HttpMethod method, string path, string version)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Intercom-Version", version);
        return request;
    }

    private static System.Net.Http.Json.JsonContent JsonContent(object body) => System.Net.Http.Json.JsonContent.Create(body);

    private static Task<HttpResponseMessage> PutJsonAsync(HttpClient client, string path, object body) => client.PutAsync(path, JsonContent(body));

    private static async Task<string> MintAsync(TestServer server, TestWorkspace workspace, string teammateId, string role)
    {
        await workspace.EnsureJoinedAsync(teammateId);
        await using var scope = server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>();
        var caller = new ApiCaller(workspace.Id, teammateId, "") { Role = role, Permissions = BuiltInRoles.PermissionsOf(role) };
        return (await tokens.CreateAsync(server.Cell(Region.Eu), caller, "test", null, null, CancellationToken.None)).Secret;
    }
}
