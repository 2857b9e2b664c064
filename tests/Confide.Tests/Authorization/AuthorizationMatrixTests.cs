using System.Net;
using System.Net.Http.Json;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Server.Hosting;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Authorization;

/// <summary>
/// Every API endpoint × every built-in role (and workspace roles and narrowed tokens) × ids of
/// the caller's own workspace, another workspace and another region: allowed exactly when the
/// hand-written table (<c>authorization-matrix.md</c>) says so, and never anything of another
/// workspace or region. The expectations never come from the permissions the routes declare, so
/// a route declared with the wrong permission fails here.
/// </summary>
public sealed class AuthorizationMatrixTests(Servers servers)
{
    private sealed record ApiEndpoint(string Method, string Pattern)
    {
        public string Key => $"{Method} {Pattern}";
    }

    private sealed record Fixtures(string ContactId, string ExternalId, string ConversationId, string TagId, string NoteId, string TeammateId, string TokenId, string TeamId, string MessengerSecretId, string PrivacyRequestId, string CompanyId);

    /// <param name="Name">The caller's column in the table.</param>
    private sealed record Caller(string Name, HttpClient Client, string TeammateId);

    [Fact]
    public void EveryEndpoint_DeclaresItsPermission()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        app.MapGet("/undeclared", () => "nothing");
        Assert.Equal(["GET /undeclared"], EndpointDeclarations.Undeclared(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EveryEndpointRoleAndWorkspace_AllowsExactlyThePolicyTable(string provider)
    {
        var server = await servers.GetAsync(provider);
        Assert.Empty(EndpointDeclarations.Undeclared(server.Services.GetRequiredService<EndpointDataSource>().Endpoints));
        var matrix = AuthorizationMatrix.Load();
        var endpoints = ApiEndpoints(server);
        AssertSameRoutes("API endpoints", matrix.Endpoints, endpoints.Select(e => e.Key));
        AssertSameRoutes("Public routes", matrix.PublicRoutes, PublicRoutes(server));

        var own = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        var foreign = await server.CreateWorkspaceAsync(Region.Us);
        using var ownerClient = own.Client();
        using var otherClient = other.Client();
        using var foreignClient = foreign.Client();
        var otherIds = await FixturesAsync(otherClient, other.OwnerId);
        var foreignIds = await FixturesAsync(foreignClient, foreign.OwnerId);

        var callers = await CallersAsync(server, own);
        var violations = new List<string>();
        foreach (var caller in callers)
        {
            var ownIds = await FixturesAsync(ownerClient, own.OwnerId);
            foreach (var endpoint in endpoints)
            {
                var allowed = matrix.Allows(endpoint.Key, caller.Name);
                var targets = endpoint.Pattern.Contains('{', StringComparison.Ordinal)
                    ? new[] { ("own", ownIds), ("other workspace", otherIds), ("other region", foreignIds) }
                    : [("own", ownIds)];
                foreach (var (target, ids) in targets)
                {
                    using var response = await SendAsync(caller.Client, endpoint, ids, caller.TeammateId);
                    var status = (int)response.StatusCode;
                    var problem = (allowed, target) switch
                    {
                        (false, _) when status != 403 => "expected 403",
                        (true, "own") when status is 401 or 403 or >= 500 => "expected to be allowed",
                        (true, not "own") when status is < 300 or >= 500 => "served another workspace's or region's id",
                        _ => null,
                    };
                    if (problem is not null)
                    {
                        violations.Add($"{caller.Name}: {endpoint.Key} (table: {(allowed ? "allowed" : "refused")}) with {target} ids -> {status}: {problem}");
                    }
                }
            }
        }

        // A token of another region's workspace is turned away (421) everywhere, whatever it may do there.
        var foreignIdsAsOwn = foreignIds;
        foreach (var endpoint in endpoints)
        {
            using var client = server.Client(Region.Eu, foreign.Token);
            using var response = await SendAsync(client, endpoint, foreignIdsAsOwn, foreign.OwnerId);
            if (response.StatusCode != HttpStatusCode.MisdirectedRequest)
            {
                violations.Add($"us token at the eu endpoint: {endpoint.Method} {endpoint.Pattern} -> {(int)response.StatusCode}");
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
        foreach (var caller in callers)
        {
            caller.Client.Dispose();
        }
    }

    /// <summary>Every route the server maps has its row in the table, and every row its route.</summary>
    private static void AssertSameRoutes(string section, IEnumerable<string> rows, IEnumerable<string> mapped)
    {
        var withoutRow = mapped.Except(rows, StringComparer.Ordinal).ToList();
        var withoutRoute = rows.Except(mapped, StringComparer.Ordinal).ToList();
        Assert.True(withoutRow.Count == 0 && withoutRoute.Count == 0,
            $"authorization-matrix.md, \"{section}\": routes without a row: [{string.Join(", ", withoutRow)}]; rows without a route: [{string.Join(", ", withoutRoute)}]");
    }

    /// <summary>Each built-in role with a full token, two workspace roles, and narrowed tokens.</summary>
    private static async Task<List<Caller>> CallersAsync(TestServer server, TestWorkspace own)
    {
        var callers = new List<Caller>();
        await using var scope = server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>();
        using var owner = own.Client();
        foreach (var role in BuiltInRoles.Names)
        {
            var teammateId = own.OwnerId;
            if (role != TeammateRoles.Owner)
            {
                var added = await (await owner.PostJsonAsync("confide/teammates", new { email = $"{role}-{Guid.NewGuid():N}@example.com", role })).JsonAsync();
                teammateId = added.Str("id");
                await own.EnsureJoinedAsync(teammateId);
            }

            var permissions = BuiltInRoles.PermissionsOf(role);
            var creator = new ApiCaller(own.Id, teammateId, "") { Role = role, Permissions = permissions };
            var token = await tokens.CreateAsync(server.Cell(Region.Eu), creator, $"{role} token", null, null, CancellationToken.None);
            callers.Add(new Caller(role, server.Client(Region.Eu, token.Secret), teammateId));
        }

        // Workspace roles, made of a few permissions. The conversation reads nest, so what the
        // caller holds is spelled out: reading all implies reading the team's and one's own.
        string[] customPermissions = [Permissions.ContactsRead, Permissions.ConversationsReadAll, Permissions.ConversationsReply, Permissions.ActivityLogRead, Permissions.TeammatesRead];
        string[] customHeld = [.. customPermissions, Permissions.ConversationsReadTeam, Permissions.ConversationsReadAssigned];
        callers.Add(await WorkspaceRoleCallerAsync(server, own, owner, tokens, "support_lead", customPermissions, customHeld));
        callers.Add(await WorkspaceRoleCallerAsync(server, own, owner, tokens, "team_inbox", [Permissions.ConversationsReadTeam], [Permissions.ConversationsReadTeam, Permissions.ConversationsReadAssigned]));

        var ownerCaller = new ApiCaller(own.Id, own.OwnerId, "") { Role = TeammateRoles.Owner, Permissions = BuiltInRoles.PermissionsOf(TeammateRoles.Owner) };
        (string Name, string[] Scopes)[] narrowed =
        [
            ("scoped_contacts", [Permissions.ContactsRead]),
            ("scoped_support", [Permissions.ConversationsReadAll, Permissions.ConversationsReply, Permissions.ActivityLogRead]),
            ("scoped_team", [Permissions.ConversationsReadTeam, Permissions.TeammatesRead]),
        ];
        foreach (var (name, scopes) in narrowed)
        {
            var token = await tokens.CreateAsync(server.Cell(Region.Eu), ownerCaller, "narrowed", scopes, null, CancellationToken.None);
            callers.Add(new Caller(name, server.Client(Region.Eu, token.Secret), own.OwnerId));
        }

        return callers;
    }

    private static async Task<Caller> WorkspaceRoleCallerAsync(TestServer server, TestWorkspace own, HttpClient owner, ApiTokenAdministration tokens, string name, string[] permissions, string[] held)
    {
        var role = await (await owner.PostJsonAsync("confide/roles", new { name, permissions })).JsonAsync();
        var teammate = await (await owner.PostJsonAsync("confide/teammates", new { email = $"role-{Guid.NewGuid():N}@example.com", role = role.Str("id") })).JsonAsync();
        await own.EnsureJoinedAsync(teammate.Str("id"));
        var creator = new ApiCaller(own.Id, teammate.Str("id"), "") { Role = role.Str("id"), Permissions = held.ToHashSet() };
        var token = await tokens.CreateAsync(server.Cell(Region.Eu), creator, $"{name} token", null, null, CancellationToken.None);
        return new Caller(name, server.Client(Region.Eu, token.Secret), teammate.Str("id"));
    }

    /// <summary>A contact (with external id), its conversation, a tag on it, a note, a teammate, an API token, a team, an active messenger secret, a privacy request and a company the contact is attached to, made by the workspace's owner.</summary>
    private static async Task<Fixtures> FixturesAsync(HttpClient owner, string ownerId)
    {
        var externalId = "ext-" + Guid.NewGuid().ToString("N");
        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = $"{externalId}@example.com", external_id = externalId })).JsonAsync()).Str("id");
        var conversationId = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");
        var tagId = (await (await owner.PostJsonAsync("tags", new { name = "tag-" + Guid.NewGuid().ToString("N") })).JsonAsync()).Str("id");
        await (await owner.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
        var noteId = (await (await owner.PostJsonAsync($"contacts/{contactId}/notes", new { body = "A note", admin_id = ownerId })).JsonAsync()).Str("id");
        var teammateId = (await (await owner.PostJsonAsync("confide/teammates", new { email = $"t-{Guid.NewGuid():N}@example.com", role = "viewer" })).JsonAsync()).Str("id");
        var tokenId = (await (await owner.PostJsonAsync("confide/api_tokens", new { name = "fixture" })).JsonAsync()).GetProperty("token").Str("id");
        var teamId = (await (await owner.PostJsonAsync("confide/teams", new { name = "team-" + Guid.NewGuid().ToString("N"), admin_ids = new[] { teammateId } })).JsonAsync()).Str("id");
        var privacyRequestId = (await (await owner.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId })).JsonAsync()).Str("id");
        var companyId = (await (await owner.PostJsonAsync("companies", new { company_id = "co-" + Guid.NewGuid().ToString("N"), name = "Fixture" })).JsonAsync()).Str("id");
        await (await owner.PostJsonAsync($"contacts/{contactId}/companies", new { id = companyId })).JsonAsync();
        return new Fixtures(contactId, externalId, conversationId, tagId, noteId, teammateId, tokenId, teamId, await ActiveMessengerSecretAsync(owner), privacyRequestId, companyId);
    }

    /// <summary>A new secret, or (at the limit of two active, left by earlier callers) one of the active ones.</summary>
    private static async Task<string> ActiveMessengerSecretAsync(HttpClient owner)
    {
        using var created = await owner.PostAsync("confide/messenger_secrets", null);
        if (created.StatusCode != HttpStatusCode.Conflict)
        {
            return (await created.JsonAsync()).Str("id");
        }

        var listed = await (await owner.GetAsync("confide/messenger_secrets")).JsonAsync();
        return listed.GetProperty("data").EnumerateArray().First(s => s.GetProperty("active").GetBoolean()).Str("id");
    }

    /// <summary>The API endpoints the server maps: the ones behind an API token (their declared permission is not read).</summary>
    private static List<ApiEndpoint> ApiEndpoints(TestServer server) =>
        [.. RouteEndpoints(server)
            .Where(e => e.Metadata.GetMetadata<PermissionMetadata>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods
                .Select(m => new ApiEndpoint(m, RouteText(e))))
            // Destructive calls last, and the contact (which takes everything with it) very last.
            .OrderBy(e => e.Method == "DELETE" ? (e.Pattern == "/contacts/{id}" ? 2 : 1) : 0)
            .ThenBy(e => e.Pattern, StringComparer.Ordinal)];

    /// <summary>Routes anyone may call (no token), as <c>METHOD /pattern</c>; signed-in pages are WebPermissionTests' part.</summary>
    private static IEnumerable<string> PublicRoutes(TestServer server) =>
        RouteEndpoints(server)
            .Where(e => e.Metadata.GetMetadata<PermissionMetadata>() is null && e.Metadata.GetMetadata<PageActionDescriptor>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {RouteText(e)}"))
            .Distinct(StringComparer.Ordinal);

    /// <summary>The route as written in the table: <c>/confide/sso_connection</c>, not the group's <c>/confide/sso_connection/</c>.</summary>
    private static string RouteText(RouteEndpoint endpoint) => "/" + endpoint.RoutePattern.RawText!.Trim('/');

    private static IEnumerable<RouteEndpoint> RouteEndpoints(TestServer server) =>
        server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, ApiEndpoint endpoint, Fixtures ids, string teammateId)
    {
        var path = Path(endpoint.Pattern, ids);
        object? body = (endpoint.Method, endpoint.Pattern) switch
        {
            ("POST", "/contacts") => new { email = $"new-{Guid.NewGuid():N}@example.com" },
            ("PUT", "/contacts/{id}") => new { name = "Renamed" },
            ("POST", "/contacts/search") => new { query = new { field = "email", @operator = "=", value = "nobody@example.com" } },
            ("POST", "/conversations") => new { from = new { type = "user", id = ids.ContactId }, body = "Hi" },
            ("POST", "/conversations/{id}/reply") => new { type = "admin", admin_id = teammateId, message_type = "comment", body = "Reply" },
            ("POST", "/conversations/{id}/parts") => new { type = "admin", admin_id = teammateId, message_type = "close" },
            ("POST", "/conversations/search") => new { query = new { field = "open", @operator = "=", value = true } },
            ("PUT", "/conversations/{id}") => new { priority = "priority" },
            ("POST", "/conversations/{id}/tags") => new { id = ids.TagId, admin_id = teammateId },
            ("POST", "/tags") => new { name = "t-" + Guid.NewGuid().ToString("N") },
            ("POST", "/contacts/{contactId}/tags") => new { id = ids.TagId },
            ("POST", "/contacts/{contactId}/notes") => new { body = "Note", admin_id = teammateId },
            ("POST", "/confide/teammates") => new { email = $"n-{Guid.NewGuid():N}@example.com", role = "viewer" },
            ("PUT", "/confide/teammates/{id}/role") => new { role = "agent" },
            ("POST", "/confide/api_tokens") => new { name = "made in the matrix" },
            ("POST", "/confide/teams") => new { name = "team-" + Guid.NewGuid().ToString("N"), admin_ids = new[] { teammateId } },
            ("PUT", "/confide/teams/{id}") => new { name = "renamed-" + Guid.NewGuid().ToString("N") },
            ("PUT", "/confide/messenger_settings") => new { jwt_max_lifetime_seconds = 3600 },
            ("POST", "/companies") => new { company_id = "co-" + Guid.NewGuid().ToString("N"), name = "Matrix" },
            ("POST", "/contacts/{contactId}/companies") => new { id = ids.CompanyId },
            ("POST", "/confide/privacy_requests") => new { kind = "access", received_via = "email", contact_id = ids.ContactId },
            ("POST", "/confide/privacy_requests/{id}/refuse") or ("POST", "/confide/privacy_requests/{id}/extend") => new { reason = "Given in the matrix" },
            ("POST", _) or ("PUT", _) => new { },
            _ => null,
        };
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), path.TrimStart('/') + Query(endpoint.Pattern));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower });
        }

        return client.SendAsync(request);
    }

    private static string Query(string pattern) => pattern switch
    {
        "/admins/activity_logs" => "?created_at_after=0",
        "/admins/activity_logs/proofs/inclusion" => "?sequence=0",
        "/admins/activity_logs/proofs/consistency" => "?first=1",
        _ => "",
    };

    private static string Path(string pattern, Fixtures ids) => pattern
        .Replace("/admins/{id}", $"/admins/{ids.TeammateId}", StringComparison.Ordinal)
        .Replace("/find_by_external_id/{externalId}", $"/find_by_external_id/{ids.ExternalId}", StringComparison.Ordinal)
        .Replace("/contacts/{contactId}/tags/{id}", $"/contacts/{ids.ContactId}/tags/{ids.TagId}", StringComparison.Ordinal)
        .Replace("{contactId}", ids.ContactId, StringComparison.Ordinal)
        .Replace("/contacts/{id}", $"/contacts/{ids.ContactId}", StringComparison.Ordinal)
        .Replace("/conversations/{id}", $"/conversations/{ids.ConversationId}", StringComparison.Ordinal)
        .Replace("{tagId}", ids.TagId, StringComparison.Ordinal)
        .Replace("/tags/{id}", $"/tags/{ids.TagId}", StringComparison.Ordinal)
        .Replace("/companies/{id}", $"/companies/{ids.CompanyId}", StringComparison.Ordinal)
        .Replace("/notes/{id}", $"/notes/{ids.NoteId}", StringComparison.Ordinal)
        .Replace("/confide/teammates/{id}", $"/confide/teammates/{ids.TeammateId}", StringComparison.Ordinal)
        .Replace("/confide/api_tokens/{id}", $"/confide/api_tokens/{ids.TokenId}", StringComparison.Ordinal)
        .Replace("/teams/{id}", $"/teams/{ids.TeamId}", StringComparison.Ordinal)
        .Replace("/confide/messenger_secrets/{id}", $"/confide/messenger_secrets/{ids.MessengerSecretId}", StringComparison.Ordinal)
        .Replace("/confide/privacy_requests/{id}", $"/confide/privacy_requests/{ids.PrivacyRequestId}", StringComparison.Ordinal);
}
