using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Authorization;

/// <summary>Scoped, expiring, revocable API tokens and role changes, as a demanding admin would try to misuse them.</summary>
public sealed class TokensAndTeammatesTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Tokens_AreNarrowedNeverWidened_ExpireAndRevoke(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        var created = await (await owner.PostJsonAsync("confide/api_tokens", new { name = "Reporting", scopes = new[] { "contacts.read", "api_tokens.manage" } })).JsonAsync();
        var secret = created.Str("access_token");
        var tokenId = created.GetProperty("token").Str("id");
        Assert.Equal(["api_tokens.manage", "contacts.read"], created.GetProperty("token").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        using var narrowed = server.Client(Region.Eu, secret);
        await (await narrowed.GetAsync("contacts")).JsonAsync();
        await (await narrowed.PostJsonAsync("contacts", new { email = "no@example.com" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");

        // A narrowed token cannot mint a wider one, nor a full one by leaving scopes out.
        await (await narrowed.PostJsonAsync("confide/api_tokens", new { name = "Wider", scopes = new[] { "contacts.delete" } })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        var child = await (await narrowed.PostJsonAsync("confide/api_tokens", new { name = "Child" })).JsonAsync();
        Assert.Equal(["api_tokens.manage", "contacts.read"], child.GetProperty("token").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        await (await owner.PostJsonAsync("confide/api_tokens", new { name = "Bad", scopes = new[] { "everything" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync("confide/api_tokens", new { name = "Past", expires_at = 1 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync("confide/api_tokens", new { scopes = new[] { "contacts.read" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");

        // The list shows when a token was last used (recorded in the background), never a secret.
        await Poll.UntilAsync(
            async () =>
            {
                var list = await (await owner.GetAsync("confide/api_tokens")).JsonAsync();
                Assert.DoesNotContain(secret, list.GetRawText(), StringComparison.Ordinal);
                return list.GetProperty("tokens").EnumerateArray().Single(t => t.Str("id") == tokenId).GetProperty("last_used_at").ValueKind;
            },
            lastUsed => lastUsed == JsonValueKind.Number, TimeSpan.FromSeconds(60), "the token's last use to be recorded");

        // Expired: refused like an unknown token.
        var expiring = await (await owner.PostJsonAsync("confide/api_tokens", new { name = "Short", expires_at = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds() })).JsonAsync();
        using var expiringClient = server.Client(Region.Eu, expiring.Str("access_token"));
        await (await expiringClient.GetAsync("me")).JsonAsync();
        await using (var db = server.Cell(Region.Eu).CreateTrackingContext())
        {
            var expiringId = expiring.GetProperty("token").Str("id");
            await db.ApiTokens.Where(t => t.Id == expiringId).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        await (await expiringClient.GetAsync("me")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // Revoked: refused at once.
        await (await owner.DeleteAsync($"confide/api_tokens/{tokenId}")).JsonAsync();
        await (await narrowed.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await owner.DeleteAsync($"confide/api_tokens/{tokenId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var types = (await ActivityLogTests.AllEntriesAsync(owner)).Select(e => e.Str("activity_type")).ToList();
        Assert.Equal(3, types.Count(t => t == "api_token_creation"));
        Assert.Equal(1, types.Count(t => t == "api_token_revocation"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Roles_ChangeAtOnce_AndAWorkspaceKeepsAnOwner(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        var admin = await (await owner.PostJsonAsync("confide/teammates", new { email = $"admin-{Guid.NewGuid():N}@example.com", role = "admin" })).JsonAsync();
        Assert.True(admin.GetProperty("invitation").GetProperty("sent").GetBoolean());
        Assert.False(admin.TryGetProperty("initial_password", out _));
        await (await owner.PostJsonAsync("confide/teammates", new { email = "not-an-email", role = "agent" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync("confide/teammates", new { email = $"x-{Guid.NewGuid():N}@example.com", role = "emperor" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PutAsJsonAsync($"confide/teammates/{workspace.OwnerId}/role", new { role = "agent" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");

        // An admin can manage teammates but cannot create owners or demote one.
        var adminToken = await MintAsync(server, workspace, admin.Str("id"), "admin");
        using var adminClient = server.Client(Region.Eu, adminToken);
        await (await adminClient.PostJsonAsync("confide/teammates", new { email = $"o-{Guid.NewGuid():N}@example.com", role = "owner" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminClient.PutAsJsonAsync($"confide/teammates/{workspace.OwnerId}/role", new { role = "viewer" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminClient.PostJsonAsync("contacts", new { email = "by-admin@example.com" })).JsonAsync();

        // Demoted to viewer: the same token loses write access on its next request.
        await (await owner.PutAsJsonAsync($"confide/teammates/{admin.Str("id")}/role", new { role = "viewer" })).JsonAsync();
        await (await adminClient.PostJsonAsync("contacts", new { email = "denied@example.com" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminClient.GetAsync("contacts")).JsonAsync();

        // Removal: not of the last owner, not of an owner by an admin; the removed teammate's tokens stop at once.
        await (await owner.DeleteAsync($"confide/teammates/{workspace.OwnerId}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await owner.DeleteAsync($"confide/teammates/{admin.Str("id")}")).JsonAsync();
        await (await adminClient.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await owner.DeleteAsync($"confide/teammates/{admin.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var admins = await (await owner.GetAsync("admins")).JsonAsync();
        Assert.DoesNotContain(admins.GetProperty("admins").EnumerateArray(), a => a.Str("id") == admin.Str("id"));

        var entries = await ActivityLogTests.AllEntriesAsync(owner);
        Assert.Equal(1, entries.Count(e => e.Str("activity_type") == "app_admin_join"));
        Assert.Equal(admin.Str("id"), entries.Single(e => e.Str("activity_type") == "admin_deletion").GetProperty("target").Str("id"));
        var change = entries.Single(e => e.Str("activity_type") == "admin_permission_change");
        Assert.Equal("admin", change.GetProperty("metadata").GetProperty("before").Str("role"));
        Assert.Equal("viewer", change.GetProperty("metadata").GetProperty("after").Str("role"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WorkspaceRoles_GrantExactlyTheirPermissions_AndNeverMoreThanTheCreatorHolds(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        await (await owner.PostJsonAsync("confide/roles", new { name = "Odd", permissions = new[] { "contacts.fly" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync("confide/roles", new { name = "owner", permissions = new[] { "contacts.read" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var role = await (await owner.PostJsonAsync("confide/roles", new { name = "Readers", permissions = new[] { "contacts.read", "teammates.read" } })).JsonAsync();
        await (await owner.PostJsonAsync("confide/roles", new { name = "Readers", permissions = new[] { "contacts.read" } })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var roles = await (await owner.GetAsync("confide/roles")).JsonAsync();
        Assert.Contains(roles.GetProperty("roles").EnumerateArray(), r => r.Str("id") == role.Str("id") && !r.GetProperty("built_in").GetBoolean());

        var reader = await (await owner.PostJsonAsync("confide/teammates", new { email = $"reader-{Guid.NewGuid():N}@example.com", role = role.Str("id") })).JsonAsync();
        using var readerApi = server.Client(Region.Eu, await MintAsync(server, workspace, reader.Str("id"), role.Str("id"), ["contacts.read", "teammates.read"]));
        await (await readerApi.GetAsync("contacts")).JsonAsync();
        await (await readerApi.PostJsonAsync("contacts", new { email = "nope@example.com" })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");

        // An admin can neither make nor hand out a role with powers the admin lacks.
        var admin = await (await owner.PostJsonAsync("confide/teammates", new { email = $"admin-{Guid.NewGuid():N}@example.com", role = "admin" })).JsonAsync();
        using var adminApi = server.Client(Region.Eu, await MintAsync(server, workspace, admin.Str("id"), "admin"));
        await (await adminApi.PostJsonAsync("confide/roles", new { name = "Keyholder", permissions = new[] { "keys.manage" } })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        var keyholder = await (await owner.PostJsonAsync("confide/roles", new { name = "Keyholder", permissions = new[] { "keys.manage", "contacts.read" } })).JsonAsync();
        await (await adminApi.PutAsJsonAsync($"confide/teammates/{reader.Str("id")}/role", new { role = keyholder.Str("id") })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await owner.PutAsJsonAsync($"confide/teammates/{reader.Str("id")}/role", new { role = "0123456789abcdef01234567" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        // A role in use cannot be deleted.
        await (await owner.DeleteAsync($"confide/roles/{role.Str("id")}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await owner.PutAsJsonAsync($"confide/teammates/{reader.Str("id")}/role", new { role = "viewer" })).JsonAsync();
        await (await owner.DeleteAsync($"confide/roles/{role.Str("id")}")).JsonAsync();
        await (await owner.DeleteAsync($"confide/roles/{role.Str("id")}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var types = (await ActivityLogTests.AllEntriesAsync(owner)).Select(e => e.Str("activity_type")).ToList();
        Assert.Equal(2, types.Count(t => t == "role_creation"));
        Assert.Equal(1, types.Count(t => t == "role_deletion"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ReadAssignedOnly_SeesAndAnswersOnlyItsOwnConversations(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();
        string[] permissions = ["conversations.read.assigned", "conversations.reply", "contacts.read", "teammates.read"];
        var role = await (await owner.PostJsonAsync("confide/roles", new { name = "Assigned only", permissions })).JsonAsync();
        var agent = await (await owner.PostJsonAsync("confide/teammates", new { email = $"assigned-{Guid.NewGuid():N}@example.com", role = role.Str("id") })).JsonAsync();
        using var agentApi = server.Client(Region.Eu, await MintAsync(server, workspace, agent.Str("id"), role.Str("id"), permissions));

        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = "asks@example.com" })).JsonAsync()).Str("id");
        var mine = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "For the agent" })).JsonAsync()).Str("conversation_id");
        var theirs = (await (await owner.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Not for the agent" })).JsonAsync()).Str("conversation_id");
        await (await owner.PostJsonAsync($"conversations/{mine}/parts", new { type = "admin", admin_id = workspace.OwnerId, message_type = "assignment", assignee_id = agent.Str("id") })).JsonAsync();

        var listed = await (await agentApi.GetAsync("conversations")).JsonAsync();
        Assert.Equal([mine], listed.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")));
        await (await agentApi.GetAsync($"conversations/{mine}")).JsonAsync();
        await (await agentApi.GetAsync($"conversations/{theirs}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var reply = new { type = "admin", admin_id = agent.Str("id"), message_type = "comment", body = "On it" };
        await (await agentApi.PostJsonAsync($"conversations/{theirs}/reply", reply)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await agentApi.PostJsonAsync($"conversations/{mine}/reply", reply)).JsonAsync();
        var untouched = await (await owner.GetAsync($"conversations/{theirs}")).JsonAsync();
        Assert.Equal(0, untouched.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
    }

    private static async Task<string> MintAsync(TestServer server, TestWorkspace workspace, string teammateId, string role, string[]? customPermissions = null)
    {
        await workspace.EnsureJoinedAsync(teammateId);
        await using var scope = server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>();
        var caller = new ApiCaller(workspace.Id, teammateId, "") { Role = role, Permissions = customPermissions?.ToHashSet() ?? BuiltInRoles.PermissionsOf(role) };
        return (await tokens.CreateAsync(server.Cell(Region.Eu), caller, "test", null, null, CancellationToken.None)).Secret;
    }
}
