using System.Net;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Workspaces;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>
/// A legal hold stops every deletion path for what it holds (docs/legal-holds.md): a contact's
/// erasure by any door (409 <c>legal_hold</c>), a conversation's deletion, bulk erasure (skipped
/// and counted, in the dry run too), the workspace's deletion (refused when scheduled, and
/// cancelled by the job when a hold appears during the grace). A released or lapsed hold stops nothing.
/// </summary>
public sealed class LegalHoldEnforcementTests(Servers servers)
{
    private const string BulkRoute = "confide/contacts/bulk_delete";
    private const string DeletionRoute = "confide/workspace_deletion";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AHeldContact_IsRefusedByEveryErasureDoor_409LegalHold_UntilTheHoldIsReleased(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"held-{Guid.NewGuid():N}@example.com";
        var contact = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var hold = await LegalHoldApiTests.HoldAsync(api, "contact", contact);

        var refused = await (await api.DeleteAsync($"contacts/{contact}")).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        var message = refused.GetProperty("errors")[0].Str("message");
        Assert.Contains("legal hold", message, StringComparison.Ordinal);
        Assert.DoesNotContain(contact, message, StringComparison.Ordinal);
        Assert.DoesNotContain(email, message, StringComparison.OrdinalIgnoreCase);
        await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contact })).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");
        await (await api.PostAsync($"confide/privacy_requests/{request}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{request}/start", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{request}/erase", null)).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);

        // Nothing was erased or recorded as erased, and the key is there.
        Assert.Equal(email, (await (await api.GetAsync($"contacts/{contact}")).JsonAsync()).Str("email"));
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            Assert.False(await db.PendingContactErasures.AnyAsync(p => p.ContactId == contact));
        }

        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactDeletion);

        // Released: the same request erases it.
        await (await api.DeleteAsync($"{LegalHoldApiTests.Route}/{hold}")).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{request}/erase", null)).JsonAsync();
        await (await api.GetAsync($"contacts/{contact}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AHeldConversation_HoldsItsContact_AndCannotBeDeleted_ButALapsedHoldStopsNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = await LegalHoldApiTests.ContactAsync(api);
        var held = await LegalHoldApiTests.ConversationAsync(api, contact);
        var free = await LegalHoldApiTests.ConversationAsync(api, await LegalHoldApiTests.ContactAsync(api));
        var hold = await LegalHoldApiTests.HoldAsync(api, "conversation", held);

        await (await api.DeleteAsync($"conversations/{held}")).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        await (await api.DeleteAsync($"contacts/{contact}")).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        Assert.Equal(held, (await (await api.GetAsync($"conversations/{held}")).JsonAsync()).Str("id"));
        // A conversation nobody holds is deleted as before.
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"conversations/{free}")).StatusCode);

        // The hold lapses (its end date passes): it stops nothing any more.
        await using (var db = server.Cell(Region.Eu).CreateTrackingContext())
        {
            await db.LegalHolds.Where(h => h.Id == hold).ExecuteUpdateAsync(s => s.SetProperty(h => h.Until, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        Assert.False((await (await api.GetAsync($"{LegalHoldApiTests.Route}/{hold}")).JsonAsync()).GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"conversations/{held}")).StatusCode);
        await (await api.DeleteAsync($"contacts/{contact}")).JsonAsync();
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BulkErase_SkipsHeldContacts_InTheDryRunAndTheRealRun_AndCountsThem(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var heldDirectly = await LegalHoldApiTests.ContactAsync(api);
        var heldThroughConversation = await LegalHoldApiTests.ContactAsync(api);
        var free = await LegalHoldApiTests.ContactAsync(api);
        await LegalHoldApiTests.HoldAsync(api, "contact", heldDirectly);
        await LegalHoldApiTests.HoldAsync(api, "conversation", await LegalHoldApiTests.ConversationAsync(api, heldThroughConversation));
        string[] ids = [heldDirectly, heldThroughConversation, free, "no-such-contact"];

        var dryRun = await (await api.PostJsonAsync(BulkRoute, new { ids, dry_run = true })).JsonAsync();
        Assert.Equal((4, 3, 0, 3, 2, 1), Counts(dryRun));

        var real = await (await api.PostJsonAsync(BulkRoute, new { ids, dry_run = false })).JsonAsync();
        Assert.Equal((4, 3, 1, 3, 2, 1), Counts(real));
        await (await api.GetAsync($"contacts/{free}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"contacts/{heldDirectly}")).JsonAsync();
        await (await api.GetAsync($"contacts/{heldThroughConversation}")).JsonAsync();
        var entry = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactsBulkDeletion);
        Assert.Equal(2, entry.GetProperty("metadata").GetProperty("skipped_legal_hold").GetInt32());

        // The workspace held: every contact is skipped, by query as by ids.
        await LegalHoldApiTests.HoldAsync(api, "workspace", workspace.Id);
        var another = await LegalHoldApiTests.ContactAsync(api);
        Assert.Equal((2, 2, 0, 2, 2, 0), Counts(await (await api.PostJsonAsync(BulkRoute, new { ids = new[] { heldDirectly, another }, dry_run = true })).JsonAsync()));
        Assert.Equal((2, 2, 0, 2, 2, 0), Counts(await (await api.PostJsonAsync(BulkRoute, new { ids = new[] { heldDirectly, another }, dry_run = false })).JsonAsync()));
        var byQuery = await (await api.PostJsonAsync(BulkRoute, new { query = new { field = "role", @operator = "=", value = "user" }, dry_run = false })).JsonAsync();
        Assert.Equal(0, byQuery.GetProperty("erased").GetInt32());
        Assert.Equal((3, 3), (byQuery.GetProperty("matched").GetInt32(), byQuery.GetProperty("skipped_legal_hold").GetInt32()));
        await (await api.GetAsync($"contacts/{another}")).JsonAsync();
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnyActiveHold_RefusesSchedulingTheWorkspacesDeletion_AndAWorkspaceHoldRefusesErasures(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Held workspace");
        using var api = workspace.Client();
        using var owner = await DeletionClientAsync(workspace);
        var contact = await LegalHoldApiTests.ContactAsync(api);

        var onContact = await LegalHoldApiTests.HoldAsync(api, "contact", contact);
        await (await owner.PostJsonAsync(DeletionRoute, new { confirm_name = "Held workspace", grace_days = 0 })).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        await (await api.DeleteAsync($"{LegalHoldApiTests.Route}/{onContact}")).JsonAsync();

        var onWorkspace = await LegalHoldApiTests.HoldAsync(api, "workspace", workspace.Id);
        await (await owner.PostJsonAsync(DeletionRoute, new { confirm_name = "Held workspace", grace_days = 0 })).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        await (await api.DeleteAsync($"contacts/{contact}")).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        await (await api.DeleteAsync($"conversations/{await LegalHoldApiTests.ConversationAsync(api, contact)}")).ErrorAsync(HttpStatusCode.Conflict, ConfideError.LegalHoldCode);
        Assert.Equal("none", (await (await owner.GetAsync(DeletionRoute)).JsonAsync()).Str("state"));
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.WorkspaceDeletionScheduled);

        // Released: the deletion can be scheduled (and is cancelled here).
        await (await api.DeleteAsync($"{LegalHoldApiTests.Route}/{onWorkspace}")).JsonAsync();
        Assert.Equal("scheduled", (await (await owner.PostJsonAsync(DeletionRoute, new { confirm_name = "Held workspace", grace_days = 14 })).JsonAsync()).Str("state"));
        await (await owner.DeleteAsync(DeletionRoute)).JsonAsync();
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AHoldSetDuringTheGrace_CancelsTheDeletion_BeforeAnyKeyIsDestroyed(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Saved by a hold");
        using var api = workspace.Client();
        using var owner = await DeletionClientAsync(workspace);
        var contact = await LegalHoldApiTests.ContactAsync(api);
        await (await owner.PostJsonAsync(DeletionRoute, new { confirm_name = "Saved by a hold", grace_days = 1 })).JsonAsync();
        await LegalHoldApiTests.HoldAsync(api, "contact", contact);

        // The grace ends now: the job is due.
        var cell = server.Cell(Region.Eu);
        int keysBefore;
        await using (var db = cell.CreateTrackingContext())
        {
            keysBefore = await db.WorkspaceKeys.CountAsync(k => k.WorkspaceId == workspace.Id);
            await db.Jobs.Where(j => j.WorkspaceId == workspace.Id && j.Kind == WorkspaceDeletionJob.JobKind)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.NotBefore, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        server.Services.GetRequiredService<JobQueue>().Wake(cell);
        var job = await Poll.UntilAsync(
            async () =>
            {
                await using var db = cell.CreateReadContext();
                return await db.Jobs.AsNoTracking().FirstAsync(j => j.WorkspaceId == workspace.Id && j.Kind == WorkspaceDeletionJob.JobKind);
            },
            j => j.State is JobStates.Completed or JobStates.Failed, TimeSpan.FromSeconds(60), "the deletion job to end");
        Assert.Equal(JobStates.Completed, job.State);

        // Nothing destroyed: the workspace, its keys and its contact are there; the schedule is gone.
        Assert.Equal("none", (await (await owner.GetAsync(DeletionRoute)).JsonAsync()).Str("state"));
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
        await using (var db = cell.CreateReadContext())
        {
            var row = await db.Workspaces.AsNoTracking().SingleAsync(w => w.Id == workspace.Id);
            Assert.Equal((null, null, null), (row.DeletionScheduledAt, row.DeletionDueAt, row.DeletedAt));
            Assert.Equal(keysBefore, await db.WorkspaceKeys.CountAsync(k => k.WorkspaceId == workspace.Id));
            Assert.False(await db.WorkspaceDeletions.AnyAsync(d => d.WorkspaceId == workspace.Id));
        }

        var cancelled = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.WorkspaceDeletionCancelled);
        Assert.Equal(("system", "legal_hold"), (cancelled.GetProperty("performed_by").Str("type"), cancelled.GetProperty("metadata").Str("reason")));
        var mailed = Assert.Single(Outbox.MessagesTo(server.DataDirectory, workspace.OwnerEmail), m => m.Subject == "The deletion of your workspace Saved by a hold was stopped by a legal hold");
        Assert.DoesNotContain("Pending litigation", mailed.TextBody, StringComparison.Ordinal);
    }

    private static (int Requested, int Matched, int Erased, int Skipped, int SkippedLegalHold, int Erasable) Counts(System.Text.Json.JsonElement view) => (
        view.GetProperty("requested").GetInt32(), view.GetProperty("matched").GetInt32(), view.GetProperty("erased").GetInt32(),
        view.GetProperty("skipped").GetInt32(), view.GetProperty("skipped_legal_hold").GetInt32(), view.GetProperty("erasable").GetInt32());

    /// <summary>An owner's token scoped for deleting the workspace (a full token may not schedule it).</summary>
    internal static async Task<HttpClient> DeletionClientAsync(TestWorkspace workspace)
    {
        await using var scope = workspace.Server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<Confide.Identity.ApiTokenAdministration>();
        var creator = new Confide.Identity.ApiCaller(workspace.Id, workspace.OwnerId, "") { Role = TeammateRoles.Owner, Permissions = Confide.Identity.Authorization.BuiltInRoles.PermissionsOf(TeammateRoles.Owner) };
        var secret = (await tokens.CreateAsync(workspace.Server.Cell(workspace.Region), creator, "legal hold test", ["workspace.delete", "contacts.read"], null, CancellationToken.None)).Secret;
        return workspace.Server.Client(workspace.Region, secret);
    }
}
