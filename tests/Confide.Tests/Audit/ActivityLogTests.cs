using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Data;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Audit;

/// <summary>Every recorded action writes exactly one entry, in the same transaction as the change, readable through Intercom's API.</summary>
public sealed class ActivityLogTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EveryRecordedAction_WritesExactlyOneEntry_WithItsTypeAndActor(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "erase-me@example.com" })).JsonAsync()).Str("id");
        await (await api.GetAsync($"contacts/{contactId}")).JsonAsync(); // reads record nothing
        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();

        var otherContact = (await (await api.PostJsonAsync("contacts", new { email = "keep@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = otherContact }, body = "Hello" })).JsonAsync()).Str("conversation_id");
        await (await api.DeleteAsync($"conversations/{conversationId}")).JsonAsync();

        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        await SignInAsync(browser, workspace.OwnerEmail, "not-the-password", expectSuccess: false);
        await SignInAsync(browser, workspace.OwnerEmail, TeammateBrowser.OwnerPassword, expectSuccess: true);
        await browser.SignOutAsync(await browser.HtmlAsync("app/inbox"));

        var export = await api.GetAsync("admins/activity_logs/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.True(ActivityLogVerifier.Verify(await export.Content.ReadAsStreamAsync()).Ok);

        var entries = await AllEntriesAsync(api);
        Assert.Equal(
            [ActivityTypes.WorkspaceCreation, ActivityTypes.ContactDeletion, ActivityTypes.ConversationDeletion,
             ActivityTypes.AdminLoginFailure, ActivityTypes.AdminLoginSuccess, ActivityTypes.AdminLogout, ActivityTypes.ActivityLogExport],
            entries.Select(e => e.Str("activity_type")));
        Assert.Equal(Enumerable.Range(0, entries.Count), entries.Select(e => e.GetProperty("sequence").GetInt32()));

        var creation = entries[0];
        Assert.Equal("system", creation.GetProperty("performed_by").Str("type"));
        Assert.Equal("confide-cli", creation.GetProperty("performed_by").Str("id"));
        Assert.Equal("cli", creation.Str("performed_via"));
        Assert.Equal(workspace.OwnerId, creation.GetProperty("metadata").Str("owner_id"));

        foreach (var byOwner in entries.Skip(1))
        {
            var by = byOwner.GetProperty("performed_by");
            Assert.Equal("admin", by.Str("type"));
            Assert.Equal(workspace.OwnerId, by.Str("id"));
            Assert.Equal(workspace.OwnerEmail, by.Str("email"));
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(by.Str("ip"))));
        }

        Assert.Equal(contactId, entries[1].GetProperty("target").Str("id"));
        Assert.Equal("api", entries[1].Str("performed_via"));
        Assert.Equal(JsonValueKind.String, entries[1].GetProperty("performed_by").GetProperty("token_id").ValueKind);
        Assert.Equal(conversationId, entries[2].GetProperty("target").Str("id"));
        Assert.Equal("wrong_password", entries[3].GetProperty("metadata").Str("reason"));
        Assert.Equal("password", entries[4].GetProperty("metadata").Str("sign_in_method"));
        Assert.Equal("web", entries[4].Str("performed_via"));
        Assert.Equal(JsonValueKind.Null, entries[4].GetProperty("performed_by").GetProperty("token_id").ValueKind);

        // No end user's personal data in any entry.
        var raw = string.Join("\n", entries.Select(e => e.GetRawText()));
        Assert.DoesNotContain("erase-me@example.com", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("keep@example.com", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello", raw, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ListAndSearch_FilterAndPage_LikeIntercom_AndRefuseBadInput(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        for (var i = 0; i < 3; i++)
        {
            var id = (await (await api.PostJsonAsync("contacts", new { email = $"c{i}@example.com" })).JsonAsync()).Str("id");
            await (await api.DeleteAsync($"contacts/{id}")).JsonAsync();
        }

        var list = await (await api.GetAsync("admins/activity_logs?created_at_after=0")).JsonAsync();
        Assert.Equal("activity_log.list", list.Str("type"));
        Assert.Equal(4, list.GetProperty("activity_logs").GetArrayLength());
        Assert.Equal(ActivityTypes.ContactDeletion, list.GetProperty("activity_logs")[0].Str("activity_type")); // newest first

        // Paging: one at a time, following pages.next.starting_after to the end.
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await api.GetAsync($"admins/activity_logs?created_at_after=0&per_page=1{(cursor is null ? "" : $"&starting_after={cursor}")}")).JsonAsync();
            seen.AddRange(page.GetProperty("activity_logs").EnumerateArray().Select(e => e.Str("id")));
            var next = page.GetProperty("pages").GetProperty("next");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.Str("starting_after");
        }
        while (cursor is not null);
        Assert.Equal(list.GetProperty("activity_logs").EnumerateArray().Select(e => e.Str("id")), seen);

        var future = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        Assert.Equal(0, (await (await api.GetAsync($"admins/activity_logs?created_at_after={future}")).JsonAsync()).GetProperty("activity_logs").GetArrayLength());
        Assert.Equal(0, (await (await api.GetAsync("admins/activity_logs?created_at_after=0&created_at_before=1")).JsonAsync()).GetProperty("activity_logs").GetArrayLength());

        var searched = await (await api.PostJsonAsync("admins/activity_logs/search", new { event_types = new[] { ActivityTypes.WorkspaceCreation } })).JsonAsync();
        Assert.Equal(ActivityTypes.WorkspaceCreation, Assert.Single(searched.GetProperty("activity_logs").EnumerateArray()).Str("activity_type"));
        var byOwner = await (await api.PostJsonAsync("admins/activity_logs/search", new { performed_by_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal(3, byOwner.GetProperty("activity_logs").GetArrayLength());

        await (await api.GetAsync("admins/activity_logs")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.GetAsync("admins/activity_logs?created_at_after=yesterday")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("admins/activity_logs?created_at_after=0&starting_after=bogus")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=0")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("admins/activity_logs/search", new { event_types = new[] { "made_up" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("admins/activity_logs/search", new { created_at_after = long.MaxValue })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("admins/activity_logs/proofs/inclusion?sequence=99")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        // Another workspace's token sees only its own log.
        using var otherApi = other.Client();
        var theirs = await (await otherApi.GetAsync("admins/activity_logs?created_at_after=0")).JsonAsync();
        Assert.Equal(ActivityTypes.WorkspaceCreation, Assert.Single(theirs.GetProperty("activity_logs").EnumerateArray()).Str("activity_type"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnActionWhoseEntryCannotBeWritten_IsRolledBack(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "kept@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Keep me" })).JsonAsync()).Str("conversation_id");

        var cell = server.Cell(Region.Eu);
        await using (var db = cell.CreateTrackingContext())
        {
            await RefuseEntriesAsync(db, workspace.Id, refuse: true);
        }

        try
        {
            var refused = await api.DeleteAsync($"conversations/{conversationId}");
            Assert.False(refused.IsSuccessStatusCode);
            await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync();
            Assert.Single(await AllEntriesAsync(api));
        }
        finally
        {
            await using var db = cell.CreateTrackingContext();
            await RefuseEntriesAsync(db, workspace.Id, refuse: false);
        }

        await (await api.DeleteAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Equal(ActivityTypes.ConversationDeletion, (await AllEntriesAsync(api))[^1].Str("activity_type"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Checkpoints_AreSignedWithThePublishedKey_AndProofsVerify(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        for (var i = 0; i < 4; i++)
        {
            var id = (await (await api.PostJsonAsync("contacts", new { email = $"p{i}@example.com" })).JsonAsync()).Str("id");
            await (await api.DeleteAsync($"contacts/{id}")).JsonAsync();
        }

        var checkpointer = server.Services.GetRequiredService<ActivityCheckpointer>();
        var checkpoint = await checkpointer.CheckpointAsync(server.Cell(Region.Eu), workspace.Id, CancellationToken.None);
        Assert.NotNull(checkpoint);
        Assert.Equal(5, checkpoint.TreeSize);
        Assert.Null(await checkpointer.CheckpointAsync(server.Cell(Region.Eu), workspace.Id, CancellationToken.None)); // nothing new

        using var anonymous = server.Client(Region.Eu);
        var published = await (await anonymous.GetAsync(ActivityLogKeyEndpoints.Path.TrimStart('/'))).JsonAsync();
        var key = Assert.Single(published.GetProperty("keys").EnumerateArray());
        Assert.Equal(checkpoint.KeyId, key.Str("key_id"));
        using var publicKey = System.Security.Cryptography.ECDsa.Create();
        publicKey.ImportFromPem(key.Str("public_key_pem"));
        var statement = new ActivityCheckpoint(ActivityCheckpoint.Periodic, "eu", workspace.Id, checkpoint.TreeSize, checkpoint.RootHash, checkpoint.CreatedAt.ToUnixTimeMilliseconds(), checkpoint.KeyId, checkpoint.Signature);
        Assert.True(statement.VerifySignature(publicKey));

        var inclusion = await (await api.GetAsync("admins/activity_logs/proofs/inclusion?sequence=2&tree_size=5")).JsonAsync();
        Assert.Equal(Convert.ToHexStringLower(checkpoint.RootHash), inclusion.Str("root_hash"));
        Assert.True(MerkleTree.VerifyInclusion(2, 5, Convert.FromHexString(inclusion.Str("leaf_hash")), Hashes(inclusion, "audit_path"), checkpoint.RootHash));

        var consistency = await (await api.GetAsync("admins/activity_logs/proofs/consistency?first=3&second=5")).JsonAsync();
        Assert.True(MerkleTree.VerifyConsistency(3, 5, Convert.FromHexString(consistency.Str("first_root_hash")), checkpoint.RootHash, Hashes(consistency, "proof")));
    }

    /// <summary>A database trigger that refuses this workspace's new entries: the real failure of a real write.</summary>
    private static async Task RefuseEntriesAsync(ConfideDbContext db, string workspaceId, bool refuse)
    {
        var name = "refuse_" + workspaceId;
        if (db is SqliteConfideDbContext)
        {
            await db.Database.ExecuteSqlRawAsync(refuse
                ? $"CREATE TRIGGER {name} BEFORE INSERT ON ActivityLogEntries WHEN NEW.WorkspaceId = '{workspaceId}' BEGIN SELECT RAISE(ABORT, 'activity log unavailable'); END;"
                : $"DROP TRIGGER {name};");
            return;
        }

        await db.Database.ExecuteSqlRawAsync(refuse
            ? $"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'activity log unavailable'; END $$; " +
              $"CREATE TRIGGER {name} BEFORE INSERT ON \"ActivityLogEntries\" FOR EACH ROW WHEN (NEW.\"WorkspaceId\" = '{workspaceId}') EXECUTE FUNCTION {name}();"
            : $"DROP TRIGGER {name} ON \"ActivityLogEntries\"; DROP FUNCTION {name}();");
    }

    private static List<byte[]> Hashes(JsonElement json, string property) =>
        [.. json.GetProperty(property).EnumerateArray().Select(h => Convert.FromHexString(h.GetString()!))];

    /// <summary>The whole log, oldest first.</summary>
    internal static async Task<List<JsonElement>> AllEntriesAsync(HttpClient api)
    {
        var list = await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync();
        return [.. list.GetProperty("activity_logs").EnumerateArray().Reverse()];
    }

    private static async Task SignInAsync(HttpClient browser, string email, string password, bool expectSuccess)
    {
        var response = await browser.PostPasswordAsync(email, password);
        Assert.True((expectSuccess ? HttpStatusCode.Redirect : HttpStatusCode.OK) == response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
