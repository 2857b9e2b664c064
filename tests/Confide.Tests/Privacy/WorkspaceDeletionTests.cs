using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Erasure;
using Confide.Privacy.Workspaces;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Privacy;

/// <summary>
/// Deleting a workspace (<c>/confide/workspace_deletion</c>, docs/privacy-operations.md): only
/// an owner, with a token scoped for it, typing the name; cancellable during the grace; then the
/// workspace is unreachable at once, every row of it is purged (and nothing of other
/// workspaces), and a signed receipt remains that verifies offline.
/// </summary>
public sealed class WorkspaceDeletionTests(Servers servers)
{
    private const string Route = "confide/workspace_deletion";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Schedule_RefusesBadInput400_NoToken401_NonOwnersAndFullTokens403(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Acme Support");
        using var owner = await DeletionClientAsync(workspace);

        await (await owner.PostJsonAsync(Route, new { confirm_name = "Acme support", grace_days = 3 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Acme Support", grace_days = 15 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Acme Support", grace_days = -1 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostJsonAsync(Route, new { grace_days = 3 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Acme Support" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await owner.PostRawAsync(Route, """{"confirm_name": "Acme Support", "grace_days": "three"}""")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await owner.PostRawAsync(Route, "not json")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        using var anonymous = server.Client(Region.Eu);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJsonAsync(Route, new { confirm_name = "Acme Support", grace_days = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Route)).StatusCode);

        // An owner's full token: the permission, but not a token made for this.
        using var full = workspace.Client();
        await (await full.PostJsonAsync(Route, new { confirm_name = "Acme Support", grace_days = 3 })).ErrorAsync(HttpStatusCode.Forbidden, "explicit_scope_required");

        // An admin holds every permission but this one.
        var admin = await (await full.PostJsonAsync("confide/teammates", new { email = $"admin-{Guid.NewGuid():N}@example.com", role = "admin" })).JsonAsync();
        await workspace.EnsureJoinedAsync(admin.Str("id"));
        var adminToken = await TokenForAsync(server, workspace, admin.Str("id"), "admin", scopes: null);
        using var adminClient = server.Client(Region.Eu, adminToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await adminClient.PostJsonAsync(Route, new { confirm_name = "Acme Support", grace_days = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await adminClient.DeleteAsync(Route)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await adminClient.GetAsync(Route)).StatusCode);

        // Nothing was scheduled by any of it.
        Assert.Equal("none", (await (await owner.GetAsync(Route)).JsonAsync()).Str("state"));
        await (await owner.DeleteAsync(Route)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Cancel_DuringTheGrace_KeepsEverything_LogsAndMailsTheOwners(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Keep me");
        using var owner = await DeletionClientAsync(workspace);
        var contactId = (await (await owner.PostJsonAsync("contacts", new { email = $"c-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");

        var scheduled = await (await owner.PostJsonAsync(Route, new { confirm_name = "Keep me", grace_days = 3 })).JsonAsync();
        Assert.Equal("scheduled", scheduled.Str("state"));
        var deletesAt = scheduled.GetProperty("deletes_at").GetInt64();
        Assert.InRange(deletesAt - scheduled.GetProperty("scheduled_at").GetInt64(), 3 * 86400 - 1, 3 * 86400 + 1);
        Assert.Equal(deletesAt, (await (await owner.GetAsync(Route)).JsonAsync()).GetProperty("deletes_at").GetInt64());
        // A second schedule is refused; the first one stands.
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Keep me", grace_days = 0 })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var job = await DeletionJobAsync(server, workspace.Id);
        Assert.Equal(JobStates.Queued, job.State);
        Assert.Equal(deletesAt, job.NotBefore.ToUnixTimeSeconds());
        Assert.Contains(Outbox.MessagesTo(server.DataDirectory, workspace.OwnerEmail), m => m.Subject == "Your workspace Keep me will be deleted");

        Assert.Equal("none", (await (await owner.DeleteAsync(Route)).JsonAsync()).Str("state"));
        Assert.Equal(JobStates.Cancelled, (await DeletionJobAsync(server, workspace.Id)).State);
        Assert.Contains(Outbox.MessagesTo(server.DataDirectory, workspace.OwnerEmail), m => m.Subject == "The deletion of your workspace Keep me was cancelled");
        await (await owner.GetAsync($"contacts/{contactId}")).JsonAsync();
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var row = await db.Workspaces.SingleAsync(w => w.Id == workspace.Id);
            Assert.Equal((null, null, null), (row.DeletionScheduledAt, row.DeletionDueAt, row.DeletedAt));
        }

        var entries = await Audit.ActivityLogTests.AllEntriesAsync(owner);
        var types = entries.Select(e => e.Str("activity_type")).ToList();
        Assert.Equal(1, types.Count(t => t == ActivityTypes.WorkspaceDeletionScheduled));
        Assert.Equal(1, types.Count(t => t == ActivityTypes.WorkspaceDeletionCancelled));
        Assert.Equal(3, entries.Single(e => e.Str("activity_type") == ActivityTypes.WorkspaceDeletionScheduled).GetProperty("metadata").GetProperty("grace_days").GetInt32());
        // Scheduled again afterwards, it is a new job.
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Keep me", grace_days = 14 })).JsonAsync();
        await (await owner.DeleteAsync(Route)).JsonAsync();
    }

    /// <summary>The grace ends by the clock: the queued job starts once its time has come, not before.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheDeletion_StartsWhenTheGraceEnds(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Later");
        using var owner = await DeletionClientAsync(workspace);
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Later", grace_days = 1 })).JsonAsync();

        clock.Advance(TimeSpan.FromHours(23));
        await Task.Delay(TimeSpan.FromSeconds(3)); // a poll of the job runner (2 s) passes: nothing happens yet
        await (await owner.GetAsync(Route)).JsonAsync();

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await Poll.UntilAsync(async () => (await owner.GetAsync(Route)).StatusCode, s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the token to be refused");
        await CompletedDeletionAsync(server, workspace.Id);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task GraceZero_StopsTokensSessionsAndMessengerAtOnce_PurgesEveryRow_AndLeavesAReceiptThatVerifies(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Doomed");
        var other = await server.CreateWorkspaceAsync(Region.Eu, name: "Bystander");
        await SeedAsync(server, workspace);
        await SeedAsync(server, other);
        var cell = server.Cell(Region.Eu);
        var otherBefore = await RowsAsync(cell, other.Id);
        var keyStore = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
        var otherContactKeys = await keyStore.CountAsync(other.Id, CancellationToken.None);

        // A teammate session and a messenger session of the workspace, both working.
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"app/inbox?workspace={workspace.Id}")).StatusCode);
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await visitor.BootOkAsync();
        var conversation = await visitor.StartAsync("Hello before the end");
        var contactKeys = await keyStore.CountAsync(workspace.Id, CancellationToken.None);
        Assert.True(contactKeys >= 3);
        using var full = workspace.Client();

        // A contact whose erasure is under way: hidden from every query but the purges'.
        await using (var db = cell.CreateTrackingContext())
        {
            var hidden = await db.Contacts.Where(c => c.WorkspaceId == workspace.Id).OrderBy(c => c.Id).Select(c => c.Id).FirstAsync();
            await db.Contacts.Where(c => c.Id == hidden).ExecuteUpdateAsync(u => u.SetProperty(c => c.ErasureStartedAt, DateTimeOffset.UtcNow));
            await db.Conversations.Where(c => c.ContactId == hidden).ExecuteUpdateAsync(u => u.SetProperty(c => c.ErasureStartedAt, DateTimeOffset.UtcNow));
        }

        // The search index of the workspace's names, emails and messages: kept in clear as keyed tokens.
        List<string> tokens;
        await using (var db = cell.CreateReadContext())
        {
            tokens = await db.SearchTokens.Where(t => t.WorkspaceId == workspace.Id).Select(t => t.Token).Distinct().ToListAsync();
        }

        Assert.NotEmpty(tokens);
        using var owner = await DeletionClientAsync(workspace);
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Doomed", grace_days = 0 })).JsonAsync();
        await Poll.UntilAsync(async () => (await full.GetAsync("contacts")).StatusCode, s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the token to be refused");

        // Every way in is closed, and answers nothing of the workspace.
        Assert.Equal(HttpStatusCode.Unauthorized, (await owner.GetAsync(Route)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"app/inbox?workspace={workspace.Id}")).StatusCode);
        var messengerRead = await visitor.GetAsync($"conversations/{conversation}");
        Assert.Equal(HttpStatusCode.Gone, messengerRead.StatusCode);
        Assert.DoesNotContain("Hello before the end", await messengerRead.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, (await visitor.GetAsync("conversations")).StatusCode);
        Assert.True((await visitor.BootAsync()).StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound);

        var deletion = await CompletedDeletionAsync(server, workspace.Id);

        // No row of the workspace is left in any table that has a workspace id, but the ones kept on purpose.
        var left = await RowsAsync(cell, workspace.Id);
        Assert.Equal(1, left[typeof(Confide.Data.Model.WorkspaceDeletion)]);
        Assert.Equal(1, left[typeof(Job)]);
        Assert.All(left.Where(t => !WorkspacePurge.Kept.ContainsKey(t.Key)), t => Assert.True(t.Value == 0, $"{t.Key.Name}: {t.Value} rows left"));
        await using (var db = cell.CreateReadContext())
        {
            Assert.False(await db.Workspaces.AnyAsync(w => w.Id == workspace.Id));
            Assert.Equal(JobStates.Completed, (await db.Jobs.SingleAsync(j => j.WorkspaceId == workspace.Id)).State);
            Assert.Null(deletion.EncryptedNotice);
        }

        Assert.Equal(0, await keyStore.CountAsync(workspace.Id, CancellationToken.None));
        // The other workspace is untouched.
        // (Its log may have gained a signed checkpoint meanwhile: the background checkpointer's work, not a loss.)
        var otherAfter = await RowsAsync(cell, other.Id);
        Assert.True(otherAfter[typeof(ActivityLogCheckpoint)] >= otherBefore[typeof(ActivityLogCheckpoint)]);
        Assert.Equal(otherBefore.Where(t => t.Key != typeof(ActivityLogCheckpoint)), otherAfter.Where(t => t.Key != typeof(ActivityLogCheckpoint)));
        Assert.Equal(otherContactKeys, await keyStore.CountAsync(other.Id, CancellationToken.None));
        using var otherApi = other.Client();
        Assert.NotEmpty((await (await otherApi.GetAsync("contacts")).JsonAsync()).GetProperty("data").EnumerateArray());

        // The receipt counts what was purged, names no one, verifies offline, and fails once changed.
        var receipt = WorkspaceDeletionReceiptDocument.From(deletion)!;
        var bytes = receipt.ToJson();
        var json = JsonDocument.Parse(bytes).RootElement;
        Assert.Equal((workspace.Id, "eu", WorkspaceDeletionReceiptDocument.Format), (json.Str("workspace_id"), json.Str("region"), json.Str("format")));
        Assert.True(json.GetProperty("categories").GetProperty("contacts").GetInt64() >= 2);
        Assert.True(json.GetProperty("categories").GetProperty("conversation_parts").GetInt64() >= 3);
        Assert.Equal(3, json.GetProperty("destroyed_key_ids").GetArrayLength());
        Assert.Equal(contactKeys, json.GetProperty("contact_keys_destroyed").GetInt64());
        Assert.Equal(json.GetProperty("activity_log_leaf_index").GetInt64() + 1, json.GetProperty("activity_log_tree_size").GetInt64());
        Assert.True(json.GetProperty("key_destroyed_at").GetInt64() <= json.GetProperty("completed_at").GetInt64());
        Assert.DoesNotContain("Doomed", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.DoesNotContain(workspace.OwnerEmail, Encoding.UTF8.GetString(bytes), StringComparison.OrdinalIgnoreCase);

        var keys = ErasureReceiptVerifier.FromKeysDocument(await PublishedKeysAsync(server));
        var verdict = ErasureReceiptVerifier.Verify(bytes, keys);
        Assert.True(verdict.Ok, verdict.Message);
        Assert.Equal(workspace.Id, verdict.WorkspaceDeletion?.WorkspaceId);
        var tampered = JsonNode.Parse(bytes)!.AsObject();
        tampered["categories"]!["contacts"] = 0;
        var refused = ErasureReceiptVerifier.Verify(Encoding.UTF8.GetBytes(tampered.ToJsonString()), keys);
        Assert.False(refused.Ok);
        Assert.Contains("changed after signing", refused.Message, StringComparison.Ordinal);

        // The owners were mailed the receipt itself.
        var mailed = Outbox.MessagesTo(server.DataDirectory, workspace.OwnerEmail).Single(m => m.Subject == "Your workspace Doomed has been deleted");
        Assert.Contains(Encoding.UTF8.GetString(bytes), (mailed.TextBody ?? "").ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The handler's steps repeated from the previous checkpoint (what a runner does after a crash,
    /// a kill or a lease takeover): the purge still ends with every row gone, each counted once.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task APurgeInterruptedMidway_Resumes_AndCountsEveryRowOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Interrupted");
        await SeedAsync(server, workspace);
        var cell = server.Cell(Region.Eu);
        using var owner = await DeletionClientAsync(workspace);
        // Scheduled for later, so the runner leaves it: this test runs the steps itself.
        await (await owner.PostJsonAsync(Route, new { confirm_name = "Interrupted", grace_days = 14 })).JsonAsync();
        var queued = await DeletionJobAsync(server, workspace.Id);
        var seeded = await RowsAsync(cell, workspace.Id);

        var job = ActivatorUtilities.CreateInstance<WorkspaceDeletionJob>(server.Services, Options.Create(new WorkspaceDeletionOptions { RowsPerStep = 2 }));
        var context = new JobContext { Cell = cell, JobId = queued.Id, Kind = WorkspaceDeletionJob.JobKind, WorkspaceId = workspace.Id, Payload = queued.Payload, Attempt = 1 };
        var steps = 0;
        while (true)
        {
            var result = await job.RunStepAsync(context, CancellationToken.None);
            Assert.Null(result.FailureCode);
            steps++;
            if (steps % 3 == 1)
            {
                // The process dies after the step's work but before its commit: the next runner repeats it.
                result = await job.RunStepAsync(context with { Attempt = context.Attempt + 1 }, CancellationToken.None);
            }

            if (result.Write is { } write)
            {
                await cell.Writer.WriteAsync((db, ct) => write(db, ct));
            }

            if (result.Finished)
            {
                break;
            }

            context = context with { Checkpoint = result.Checkpoint, ProgressDone = result.ProgressDone, ProgressTotal = result.ProgressTotal };
            Assert.True(steps < 500, "The deletion did not finish.");
        }

        var left = await RowsAsync(cell, workspace.Id);
        Assert.All(left.Where(t => !WorkspacePurge.Kept.ContainsKey(t.Key)), t => Assert.True(t.Value == 0, $"{t.Key.Name}: {t.Value} rows left"));
        await using var db = cell.CreateReadContext();
        var deletion = await db.WorkspaceDeletions.SingleAsync(d => d.WorkspaceId == workspace.Id);
        var categories = WorkspaceDeletionReceiptDocument.From(deletion)!.Categories;
        // Every seeded row counted once (the activity log and its checkpoints grew with the deletion's own entry).
        foreach (var table in WorkspacePurge.Tables.Where(t => t.EntityType != typeof(ActivityLogEntry) && t.EntityType != typeof(ActivityLogCheckpoint) && t.EntityType != typeof(Job) && t.EntityType != typeof(WorkspaceKey)))
        {
            Assert.True(seeded[table.EntityType] == categories[table.Name], $"{table.Name}: {seeded[table.EntityType]} seeded, {categories[table.Name]} counted");
        }

        Assert.Equal(seeded[typeof(ActivityLogEntry)] + 1, categories["activity_log_entries"]);
        Assert.Equal(seeded[typeof(Job)] - 1, categories["jobs"]);
        Assert.Equal(0, categories["workspace_keys"]); // destroyed with the first step, before the purge
    }

    /// <summary>The host stops in the middle of the purge; a new host on the same data finishes it.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task APurgeStoppedWithItsHost_ResumesInTheNextHost_AndCompletes(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        string[] settings = ["--Confide:Privacy:WorkspaceDeletion:RowsPerStep=1"];
        var dataDirectory = Directory.CreateTempSubdirectory("confide-deletion-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        TestWorkspace workspace;
        var first = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres, settings: settings);
        try
        {
            workspace = await first.CreateWorkspaceAsync(Region.Eu, name: "Stopped");
            await SeedAsync(first, workspace, conversations: 20);
            using var owner = await DeletionClientAsync(workspace);
            await (await owner.PostJsonAsync(Route, new { confirm_name = "Stopped", grace_days = 0 })).JsonAsync();
            await Poll.UntilAsync(
                async () => await DeletionJobAsync(first, workspace.Id),
                j => j.ProgressDone >= 5 || j.State == JobStates.Completed,
                TimeSpan.FromSeconds(60), "the purge to be under way");
            Assert.NotEqual(JobStates.Completed, (await DeletionJobAsync(first, workspace.Id)).State);
        }
        finally
        {
            await first.DisposeAsync(); // a graceful stop: the runner hands the job back at once
        }

        try
        {
            await using var second = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres, settings: settings);
            var deletion = await CompletedDeletionAsync(second, workspace.Id, TimeSpan.FromSeconds(120));
            var left = await RowsAsync(second.Cell(Region.Eu), workspace.Id);
            Assert.All(left.Where(t => !WorkspacePurge.Kept.ContainsKey(t.Key)), t => Assert.True(t.Value == 0, $"{t.Key.Name}: {t.Value} rows left"));
            var categories = WorkspaceDeletionReceiptDocument.From(deletion)!.Categories;
            Assert.Equal(20, categories["conversations"]);
            Assert.Equal(60, categories["conversation_parts"]);
        }
        finally
        {
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>An owner's token made for deleting: scoped to <c>workspace.delete</c> (and reading contacts, for the checks).</summary>
    private static async Task<HttpClient> DeletionClientAsync(TestWorkspace workspace) =>
        workspace.Server.Client(workspace.Region, await TokenForAsync(workspace.Server, workspace, workspace.OwnerId, TeammateRoles.Owner, ["workspace.delete", "contacts.read", "contacts.write", "activity_log.read"]));

    private static async Task<string> TokenForAsync(TestServer server, TestWorkspace workspace, string teammateId, string role, string[]? scopes)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<Confide.Identity.ApiTokenAdministration>();
        var creator = new Confide.Identity.ApiCaller(workspace.Id, teammateId, "") { Role = role, Permissions = Confide.Identity.Authorization.BuiltInRoles.PermissionsOf(role) };
        return (await tokens.CreateAsync(server.Cell(workspace.Region), creator, "deletion test", scopes, null, CancellationToken.None)).Secret;
    }

    /// <summary>Rows of many kinds: contacts with conversations, parts, notes and tags, a team, a teammate, a token, a privacy request, messenger settings.</summary>
    private static async Task SeedAsync(TestServer server, TestWorkspace workspace, int conversations = 2)
    {
        using var api = workspace.Client();
        var tagId = (await (await api.PostJsonAsync("tags", new { name = "tag-" + Guid.NewGuid().ToString("N") })).JsonAsync()).Str("id");
        var subscriptionTypeId = (await Api.SubscriptionApiTests.CreateTypeAsync(api, "opt_in", "Seeded newsletter")).Str("id");
        await (await api.PostJsonAsync("confide/segments", new { name = "seeded " + Guid.NewGuid().ToString("N"), query = new { field = "role", @operator = "=", value = "user" } })).JsonAsync();
        for (var i = 0; i < conversations; i++)
        {
            var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"seed-{Guid.NewGuid():N}@example.com", name = "Seeded Person" })).JsonAsync()).Str("id");
            var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Seeded question" })).JsonAsync()).Str("conversation_id");
            await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "Seeded answer" })).JsonAsync();
            await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "Seeded follow-up" })).JsonAsync();
            if (i < 2)
            {
                await (await api.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
                await (await api.PostJsonAsync($"contacts/{contactId}/notes", new { body = "Seeded note", admin_id = workspace.OwnerId })).JsonAsync();
                using var tracked = await api.PostJsonAsync("events", new { event_name = "seeded-event", created_at = 1_700_000_000, id = contactId, metadata = new { seeded = true } });
                Assert.Equal(HttpStatusCode.Accepted, tracked.StatusCode);
                await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = subscriptionTypeId, consent_type = "opt_in" })).JsonAsync();
            }

            if (i == 0)
            {
                await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId })).JsonAsync();
            }
        }

        await (await api.PostJsonAsync("data_attributes", new { name = "seeded " + Guid.NewGuid().ToString("N"), model = "contact", data_type = "string" })).JsonAsync();
        var companyId = (await (await api.PostJsonAsync("companies", new { company_id = "seeded-" + Guid.NewGuid().ToString("N"), name = "Seeded Company", custom_attributes = new { account_manager = "Seeded Manager" } })).JsonAsync()).Str("id");
        var firstContact = (await (await api.GetAsync("contacts")).JsonAsync()).GetProperty("data")[0].Str("id");
        await (await api.PostJsonAsync($"contacts/{firstContact}/companies", new { id = companyId })).JsonAsync();
        var teammateId = (await (await api.PostJsonAsync("confide/teammates", new { email = $"t-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync("confide/teams", new { name = "team-" + Guid.NewGuid().ToString("N"), admin_ids = new[] { teammateId } })).JsonAsync();
        await (await api.PostJsonAsync("confide/api_tokens", new { name = "seeded" })).JsonAsync();
        await (await api.PutAsJsonAsync("confide/messenger_settings", new { jwt_max_lifetime_seconds = 3600 })).JsonAsync();
        await (await api.PostAsync("confide/messenger_secrets", null)).JsonAsync();
        _ = server;
    }

    /// <summary>The workspace's rows per entity type that has a workspace id (every such table of the model).</summary>
    private static async Task<Dictionary<Type, long>> RowsAsync(CellDatabase cell, string workspaceId)
    {
        await using var db = cell.CreateReadContext();
        var count = typeof(WorkspaceDeletionTests).GetMethod(nameof(CountAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
        var rows = new Dictionary<Type, long>();
        foreach (var entity in db.Model.GetEntityTypes().Where(e => !e.IsOwned() && e.FindProperty("WorkspaceId") is not null))
        {
            rows[entity.ClrType] = await (Task<long>)count.MakeGenericMethod(entity.ClrType).Invoke(null, [db, workspaceId])!;
        }

        Assert.True(rows.Count >= 20, "The model's tables with a workspace id were not found.");
        return rows;
    }

    private static async Task<long> CountAsync<T>(ConfideDbContext db, string workspaceId)
        where T : class =>
        await db.Set<T>().IgnoreQueryFilters().LongCountAsync(e => EF.Property<string?>(e, "WorkspaceId") == workspaceId);

    private static async Task<Job> DeletionJobAsync(TestServer server, string workspaceId)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        return await db.Jobs.AsNoTracking().Where(j => j.WorkspaceId == workspaceId && j.Kind == WorkspaceDeletionJob.JobKind).OrderByDescending(j => j.Id).FirstAsync();
    }

    private static async Task<Confide.Data.Model.WorkspaceDeletion> CompletedDeletionAsync(TestServer server, string workspaceId, TimeSpan? timeout = null) =>
        (await Poll.UntilAsync(
            async () =>
            {
                await using var db = server.Cell(Region.Eu).CreateReadContext();
                return await db.WorkspaceDeletions.AsNoTracking().FirstOrDefaultAsync(d => d.WorkspaceId == workspaceId && d.CompletedAt != null && d.EncryptedNotice == null);
            },
            d => d is not null, timeout ?? TimeSpan.FromSeconds(60), "the deletion to complete"))!;

    private static async Task<byte[]> PublishedKeysAsync(TestServer server)
    {
        using var anonymous = server.Client(Region.Eu);
        using var response = await anonymous.GetAsync(ActivityLogKeyEndpoints.Path.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
