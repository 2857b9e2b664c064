using System.Net;
using Confide.Audit;
using Confide.Crypto;
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
/// A hold and a deletion that race: the hold is checked inside the deletion's own transaction, and
/// the target inside the hold's, so exactly one of them wins — never a hold set on a contact that
/// is then erased, nor a workspace whose keys go after a hold committed.
/// </summary>
public sealed class LegalHoldRaceTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AHoldAndAnErasureSentTogether_ExactlyOneWins(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var other = workspace.Client();
        for (var i = 0; i < 8; i++)
        {
            var contact = await LegalHoldApiTests.ContactAsync(api);
            var hold = api.PostJsonAsync(LegalHoldApiTests.Route, new { target_type = "contact", target_id = contact, reason = "race" });
            var erase = other.DeleteAsync($"contacts/{contact}");
            using var held = await hold;
            using var erased = await erase;
            Assert.True(
                (held.StatusCode, erased.StatusCode) is (HttpStatusCode.OK, HttpStatusCode.Conflict) or (HttpStatusCode.NotFound, HttpStatusCode.OK),
                $"hold {held.StatusCode}, erasure {erased.StatusCode}");
            await using var db = server.Cell(Region.Eu).CreateReadContext();
            var pending = await db.PendingContactErasures.AnyAsync(p => p.ContactId == contact);
            var holds = await db.LegalHolds.CountAsync(h => h.TargetId == contact);
            Assert.Equal(held.StatusCode == HttpStatusCode.OK, holds == 1);
            Assert.Equal(erased.StatusCode == HttpStatusCode.OK, pending || !await db.Contacts.IgnoreQueryFilters().AnyAsync(c => c.Id == contact));
        }
    }

    /// <summary>The deletion job's first step read "no hold"; a hold commits before the step's transaction: that transaction sees it and destroys nothing.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AHoldCommittedBetweenTheJobsCheckAndItsTransaction_StillStopsTheDeletion(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Raced");
        using var api = workspace.Client();
        using var owner = await LegalHoldEnforcementTests.DeletionClientAsync(workspace);
        var contact = await LegalHoldApiTests.ContactAsync(api);
        // A grace of a day: the runner leaves the job alone, this test runs its steps.
        await (await owner.PostJsonAsync("confide/workspace_deletion", new { confirm_name = "Raced", grace_days = 1 })).JsonAsync();
        var cell = server.Cell(Region.Eu);
        Job job;
        int workspaceKeys;
        await using (var db = cell.CreateReadContext())
        {
            job = await db.Jobs.AsNoTracking().SingleAsync(j => j.WorkspaceId == workspace.Id && j.Kind == WorkspaceDeletionJob.JobKind);
            workspaceKeys = await db.WorkspaceKeys.CountAsync(k => k.WorkspaceId == workspace.Id);
        }

        var keyStore = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
        var contactKeys = await keyStore.CountAsync(workspace.Id, CancellationToken.None);
        var handler = server.Services.GetServices<IJobHandler>().OfType<WorkspaceDeletionJob>().Single();
        var context = new JobContext { Cell = cell, JobId = job.Id, Kind = job.Kind, WorkspaceId = workspace.Id, Payload = job.Payload, Attempt = 1 };

        var first = await handler.RunStepAsync(context, CancellationToken.None);
        Assert.False(first.Finished);
        await LegalHoldApiTests.HoldAsync(api, "contact", contact);
        await cell.Writer.WriteAsync(first.Write!, CancellationToken.None);
        var second = await handler.RunStepAsync(context with { Checkpoint = first.Checkpoint }, CancellationToken.None);
        Assert.True(second.Finished);

        await using (var db = cell.CreateReadContext())
        {
            var row = await db.Workspaces.AsNoTracking().SingleAsync(w => w.Id == workspace.Id);
            Assert.Equal((null, null, null), (row.DeletionScheduledAt, row.DeletionDueAt, row.DeletedAt));
            Assert.Equal(workspaceKeys, await db.WorkspaceKeys.CountAsync(k => k.WorkspaceId == workspace.Id));
            Assert.False(await db.WorkspaceDeletions.AnyAsync(d => d.WorkspaceId == workspace.Id));
        }

        Assert.Equal(contactKeys, await keyStore.CountAsync(workspace.Id, CancellationToken.None));
        await (await api.GetAsync($"contacts/{contact}")).JsonAsync();
        var entries = await ActivityLogTests.AllEntriesAsync(api);
        Assert.DoesNotContain(entries, e => e.Str("activity_type") == ActivityTypes.WorkspaceDeletionCompleted);
        Assert.Equal("legal_hold", Assert.Single(entries, e => e.Str("activity_type") == ActivityTypes.WorkspaceDeletionCancelled).GetProperty("metadata").Str("reason"));
        Assert.Contains(Outbox.MessagesTo(server.DataDirectory, workspace.OwnerEmail), m => m.Subject == "The deletion of your workspace Raced was stopped by a legal hold");
    }
}
