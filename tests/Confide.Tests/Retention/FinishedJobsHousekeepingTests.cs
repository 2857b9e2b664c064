using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Exports;
using Confide.Privacy.Retention.Housekeeping;
using Confide.Privacy.Workspaces;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>
/// Finished jobs are deleted <c>Confide:Jobs:KeepFinishedDays</c> after they finished (docs/jobs.md),
/// except a deleted workspace's deletion job, an export's job while its archive may exist, and
/// the jobs of a held workspace. A server of its own: the clean-up is region-wide.
/// </summary>
public sealed class FinishedJobsHousekeepingTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task FinishedJobs_GoAfterTheirDays_ButTheKeptOnesStay(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        await using var server = await TestServer.StartAsync(provider, settings: ["--Confide:Jobs:KeepFinishedDays=30", "--Confide:Privacy:Export:Retention=60.00:00:00"]);
        var cell = server.Cell(Region.Eu);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Busy");
        var held = await server.CreateWorkspaceAsync(Region.Eu, name: "Held");
        var doomed = await server.CreateWorkspaceAsync(Region.Eu, name: "Doomed");

        // A real deletion: its job row outlives the workspace on purpose.
        var commands = server.Services.GetRequiredService<WorkspaceDeletionCommands>();
        await commands.ScheduleAsync(cell, doomed.Id, "Doomed", 0, ActivityActor.CommandLine, CancellationToken.None);
        await Poll.UntilAsync(
            async () =>
            {
                await using var db = cell.CreateReadContext();
                return await db.WorkspaceDeletions.AnyAsync(d => d.WorkspaceId == doomed.Id && d.CompletedAt != null && d.EncryptedNotice == null);
            },
            done => done, TimeSpan.FromSeconds(60), "the deletion to complete");

        var now = DateTimeOffset.UtcNow;
        var jobs = new Dictionary<string, string>
        {
            ["completed 31 days ago"] = await AddJobAsync(cell, workspace.Id, "test.kind", JobStates.Completed, now.AddDays(-31)),
            ["failed 31 days ago"] = await AddJobAsync(cell, workspace.Id, "test.kind", JobStates.Failed, now.AddDays(-31)),
            ["cancelled 31 days ago"] = await AddJobAsync(cell, null, "test.kind", JobStates.Cancelled, now.AddDays(-31)),
            ["completed 29 days ago"] = await AddJobAsync(cell, workspace.Id, "test.kind", JobStates.Completed, now.AddDays(-29)),
            ["queued for long"] = await AddJobAsync(cell, workspace.Id, "test.kind", JobStates.Queued, null),
            ["export 31 days ago"] = await AddJobAsync(cell, workspace.Id, SubjectExportJob.JobKind, JobStates.Completed, now.AddDays(-31)),
            ["export 62 days ago"] = await AddJobAsync(cell, workspace.Id, SubjectExportJob.JobKind, JobStates.Completed, now.AddDays(-62)),
            ["held, 31 days ago"] = await AddJobAsync(cell, held.Id, "test.kind", JobStates.Completed, now.AddDays(-31)),
        };
        await cell.Writer.WriteAsync((db, _) =>
        {
            db.LegalHolds.Add(new LegalHold
            {
                Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = held.Id, TargetType = LegalHoldTargets.Workspace, TargetId = held.Id,
                SetByType = ActivityActor.SystemType, SetById = "confide-cli", CreatedAt = now,
            });
            return Task.CompletedTask;
        }, CancellationToken.None);

        var housekeeping = HousekeepingRuns.Of<FinishedJobsHousekeeping>(server);
        Assert.Equal(4, await HousekeepingRuns.RunAsync(cell, housekeeping, now));
        Assert.Equal(0, await HousekeepingRuns.RunAsync(cell, housekeeping, now));
        await using (var db = cell.CreateReadContext())
        {
            var left = await db.Jobs.Select(j => j.Id).ToListAsync();
            Assert.Equal(
                ["completed 29 days ago", "queued for long", "export 31 days ago", "held, 31 days ago"],
                jobs.Where(j => left.Contains(j.Value)).Select(j => j.Key));
            Assert.True(await db.Jobs.AnyAsync(j => j.WorkspaceId == doomed.Id && j.Kind == WorkspaceDeletionJob.JobKind));
        }

        // Years later: the deleted workspace's deletion job is still there.
        await HousekeepingRuns.RunAsync(cell, housekeeping, now.AddDays(3650));
        await using (var db = cell.CreateReadContext())
        {
            Assert.True(await db.Jobs.AnyAsync(j => j.WorkspaceId == doomed.Id && j.Kind == WorkspaceDeletionJob.JobKind && j.State == JobStates.Completed));
            Assert.True(await db.Jobs.AnyAsync(j => j.Id == jobs["held, 31 days ago"]));
            Assert.True(await db.Jobs.AnyAsync(j => j.Id == jobs["queued for long"]));
        }
    }

    private static async Task<string> AddJobAsync(CellDatabase cell, string? workspaceId, string kind, string state, DateTimeOffset? completedAt)
    {
        var id = PublicIds.NewEntityId(TimeProvider.System);
        var created = (completedAt ?? DateTimeOffset.UtcNow).AddHours(-1);
        await cell.Writer.WriteAsync((db, _) =>
        {
            db.Jobs.Add(new Job
            {
                Id = id, WorkspaceId = workspaceId, Kind = kind, State = state, CreatedAt = created, UpdatedAt = completedAt ?? created,
                NotBefore = state == JobStates.Queued ? DateTimeOffset.UtcNow.AddYears(20) : created, CompletedAt = completedAt,
            });
            return Task.CompletedTask;
        }, CancellationToken.None);
        return id;
    }
}
