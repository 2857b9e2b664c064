using System.Net.Http.Json;
using System.Text.Json;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>
/// The daily sweep (<c>retention.sweep</c>, docs/retention.md): it deletes what is due in each
/// workspace with the workspace's period, passes over held and deleting workspaces, writes one
/// <c>retention_run</c> entry per workspace and run, runs the housekeeping after the workspaces,
/// stops when paused and goes on from its checkpoint when resumed or restarted, and is enqueued
/// and run once a day however many processes share the database.
/// </summary>
public sealed class RetentionSweepTests(RetentionServers servers) : IClassFixture<RetentionServers>
{
    private const string Route = "confide/retention_policy";

    /// <summary>Slow sweeps (one item per step, a pause between steps) so a test can act in the middle of one.</summary>
    private static readonly string[] SlowSweep = ["--Confide:Retention:BatchSize=1", "--Confide:Retention:StepPause=00:00:00.150"];

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Sweep_DeletesWhatIsDue_PassesOverHeldAndDeletingWorkspaces_OneEntryPerWorkspaceAndRun(string provider)
    {
        var server = await servers.GetAsync(provider);
        var cell = server.Cell(Region.Eu);
        var swept = await WorkspaceWithTagsAsync(server, old: 7, recent: 2);
        var held = await WorkspaceWithTagsAsync(server, old: 5, recent: 0);
        var deleting = await WorkspaceWithTagsAsync(server, old: 4, recent: 0);
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            db.LegalHolds.Add(new LegalHold
            {
                Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = held.Id, TargetType = LegalHoldTargets.Workspace, TargetId = held.Id,
                SetByType = "admin", SetById = held.OwnerId, CreatedAt = DateTimeOffset.UtcNow,
            });
            var workspace = await db.Workspaces.SingleAsync(w => w.Id == deleting.Id, ct);
            workspace.DeletionScheduledAt = DateTimeOffset.UtcNow;
            workspace.DeletionDueAt = DateTimeOffset.UtcNow.AddDays(14);
        });

        var run = await RunAndWaitAsync(server);

        Assert.Equal(2, await TestTagRule.CountAsync(cell, swept.Id));
        Assert.Equal(5, await TestTagRule.CountAsync(cell, held.Id));
        Assert.Equal(4, await TestTagRule.CountAsync(cell, deleting.Id));
        Assert.Equal(RetentionRunStates.Completed, run.State);
        Assert.NotNull(run.FinishedAt);
        Assert.True(run.WorkspacesHeld >= 1);
        var counts = JsonSerializer.Deserialize<Dictionary<string, long>>(run.Counts)!;
        Assert.True(counts[TestTagRule.Name] >= 7);
        Assert.Equal(TestHousekeeping.PerRun, counts[TestHousekeeping.Name]);

        var entry = Assert.Single(await RunEntriesAsync(swept));
        Assert.Equal(("system", "confide"), (entry.GetProperty("performed_by").Str("type"), entry.GetProperty("performed_by").Str("id")));
        var metadata = entry.GetProperty("metadata");
        Assert.Equal(run.Id, metadata.Str("run_id"));
        Assert.Equal(7, metadata.GetProperty("rules").GetProperty(TestTagRule.Name).GetProperty("deleted").GetInt64());
        Assert.Equal(30, metadata.GetProperty("rules").GetProperty(TestTagRule.Name).GetProperty("after_days").GetInt32());
        Assert.Equal(0, metadata.GetProperty("rules").GetProperty(TestBuiltInRule.Name).GetProperty("deleted").GetInt64());
        Assert.Empty(await RunEntriesAsync(held));
        Assert.Empty(await RunEntriesAsync(deleting));

        // The workspace's last run, as the policy shows it.
        using var api = swept.Client();
        var lastRun = (await (await api.GetAsync(Route)).JsonAsync()).GetProperty("last_run");
        Assert.Equal(run.Id, lastRun.Str("run_id"));
        Assert.Equal(7, lastRun.GetProperty("rules").GetProperty(TestTagRule.Name).GetProperty("deleted").GetInt64());

        // Its signed receipt: the counts, the cutoffs and the activity entry, signed with the region's activity-log key.
        var receipt = lastRun.GetProperty("receipt");
        Assert.Equal((RetentionReceiptDocument.Format, swept.Id, run.Id), (receipt.Str("format"), receipt.Str("workspace_id"), receipt.Str("run_id")));
        Assert.Equal(7, receipt.GetProperty("deleted").GetProperty(TestTagRule.Name).GetInt64());
        Assert.Equal(run.StartedAt.AddDays(-30).ToUnixTimeSeconds(), receipt.GetProperty("cutoffs").GetProperty(TestTagRule.Name).GetInt64());
        Assert.Equal(entry.GetProperty("sequence").GetInt64(), receipt.GetProperty("activity_log_leaf_index").GetInt64());
        RetentionWorkspaceRun stored;
        await using (var db = cell.CreateReadContext())
        {
            stored = await db.RetentionWorkspaceRuns.AsNoTracking().SingleAsync(r => r.WorkspaceId == swept.Id && r.RunId == run.Id);
        }

        var document = RetentionReceiptDocument.From(stored, "eu");
        Assert.Equal(Convert.ToBase64String(document.Signature), receipt.Str("signature"));
        Assert.Equal(stored.ActivityEntryId, receipt.Str("activity_entry_id"));
        var key = (await Confide.Crypto.RegionSigningKeys.PublicKeysAsync(cell, SigningKeyPurposes.ActivityLog, CancellationToken.None)).Single(k => k.Id == document.KeyId);
        using var publicKey = System.Security.Cryptography.ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
        Assert.True(document.Verify(publicKey));
        Assert.False((document with { Deleted = new Dictionary<string, long> { [TestTagRule.Name] = 0, [TestBuiltInRule.Name] = 0 } }).Verify(publicKey));

        // Offline, as `confide receipts verify` checks it: the receipt as served, against the region's published keys.
        using (var anonymous = server.Client(Region.Eu))
        {
            var published = Confide.Privacy.Erasure.ErasureReceiptVerifier.FromKeysDocument(
                await anonymous.GetByteArrayAsync(ActivityLogKeyEndpoints.Path.TrimStart('/')));
            var served = System.Text.Encoding.UTF8.GetBytes(receipt.GetRawText());
            var verdict = Confide.Privacy.Erasure.ErasureReceiptVerifier.Verify(served, published);
            Assert.True(verdict.Ok, verdict.Message);
            Assert.Equal(run.Id, verdict.Retention?.RunId);
            var tampered = System.Text.Encoding.UTF8.GetBytes(receipt.GetRawText().Replace($"\"{TestTagRule.Name}\":7", $"\"{TestTagRule.Name}\":6", StringComparison.Ordinal));
            Assert.NotEqual(served, tampered);
            Assert.False(Confide.Privacy.Erasure.ErasureReceiptVerifier.Verify(tampered, published).Ok);
        }

        // The next run finds nothing more, and says so in an entry of its own.
        var second = await RunAndWaitAsync(server);
        var entries = await RunEntriesAsync(swept);
        Assert.Equal(2, entries.Count);
        Assert.Equal(second.Id, entries[1].GetProperty("metadata").Str("run_id"));
        Assert.Equal(0, entries[1].GetProperty("metadata").GetProperty("rules").GetProperty(TestTagRule.Name).GetProperty("deleted").GetInt64());
        Assert.Equal(2, await TestTagRule.CountAsync(cell, swept.Id));

        var status = await server.Services.GetRequiredService<RetentionStatusQueries>().RegionAsync(cell, 5, CancellationToken.None);
        Assert.Null(status.Current);
        Assert.Equal(second.Id, status.LastRuns[0].Id);
        Assert.Null(status.NextRunAt); // this server does not schedule (tests turn it off)
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PausedSweep_StopsAtItsNextStep_AndResumesFromItsCheckpoint(string provider)
    {
        RetentionServers.SkipUnlessAvailable(provider);
        await using var server = await RetentionServers.StartAsync(provider, SlowSweep);
        var cell = server.Cell(Region.Eu);
        var controls = server.Services.GetRequiredService<RetentionControls>();
        var workspace = await WorkspaceWithTagsAsync(server, old: 20, recent: 0);

        var (outcome, jobId) = await controls.RunNowAsync(cell, CancellationToken.None);
        Assert.Equal(RetentionRunRequest.Queued, outcome);
        Assert.Equal(RetentionRunRequest.AlreadyActive, (await controls.RunNowAsync(cell, CancellationToken.None)).Outcome);
        await Poll.UntilAsync(() => JobQueries.GetAsync(cell, jobId!, null, CancellationToken.None), j => j!.ProgressDone >= 3, TimeSpan.FromSeconds(60), "the sweep to be under way");
        Assert.True(await controls.PauseAsync(cell, "confide-cli", CancellationToken.None));
        Assert.False(await controls.PauseAsync(cell, "confide-cli", CancellationToken.None));

        await Poll.UntilAsync(() => JobQueries.GetAsync(cell, jobId!, null, CancellationToken.None), j => j!.State == JobStates.Completed, TimeSpan.FromSeconds(60), "the sweep to stop");
        var paused = await RunOfJobAsync(cell, jobId!);
        Assert.Equal(RetentionRunStates.Paused, paused.State);
        Assert.NotNull(paused.Checkpoint);
        var left = await TestTagRule.CountAsync(cell, workspace.Id);
        Assert.InRange(left, 1, 17);
        Assert.Equal(RetentionRunRequest.Paused, (await controls.RunNowAsync(cell, CancellationToken.None)).Outcome);
        var status = await server.Services.GetRequiredService<RetentionStatusQueries>().RegionAsync(cell, 5, CancellationToken.None);
        Assert.True(status.Paused);
        Assert.Equal(paused.Id, status.Current!.Id);
        Assert.Empty(await RunEntriesAsync(workspace));
        Assert.Equal(left, await TestTagRule.CountAsync(cell, workspace.Id));

        Assert.True(await controls.ResumeAsync(cell, "confide-cli", CancellationToken.None));
        var resumed = await Poll.UntilAsync(() => RunOfIdAsync(cell, paused.Id), r => r.State == RetentionRunStates.Completed, TimeSpan.FromSeconds(120), "the paused run to finish");
        Assert.Equal(0, await TestTagRule.CountAsync(cell, workspace.Id));
        Assert.NotEqual(jobId, resumed.JobId);
        Assert.Null(resumed.Checkpoint);
        Assert.Equal(20, JsonSerializer.Deserialize<Dictionary<string, long>>(resumed.Counts)![TestTagRule.Name]);
        var entry = Assert.Single(await RunEntriesAsync(workspace));
        Assert.Equal(20, entry.GetProperty("metadata").GetProperty("rules").GetProperty(TestTagRule.Name).GetProperty("deleted").GetInt64());
        // One run in all: the resumed one.
        await using var db = cell.CreateReadContext();
        Assert.Equal(1, await db.RetentionRuns.CountAsync());
    }

    /// <summary>The host stops in the middle of a sweep (the runner hands the job back); a new host on the same data goes on from the checkpoint.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ASweepStoppedWithItsHost_ResumesInTheNextHost_DeletingEachItemOnce(string provider)
    {
        RetentionServers.SkipUnlessAvailable(provider);
        var dataDirectory = Directory.CreateTempSubdirectory("confide-retention-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        try
        {
            TestWorkspace workspace;
            string jobId;
            var first = await RetentionServers.StartAsync(provider, SlowSweep, dataDirectory, postgres);
            try
            {
                workspace = await WorkspaceWithTagsAsync(first, old: 20, recent: 1);
                jobId = (await first.Services.GetRequiredService<RetentionControls>().RunNowAsync(first.Cell(Region.Eu), CancellationToken.None)).JobId!;
                var midway = await Poll.UntilAsync(() => JobQueries.GetAsync(first.Cell(Region.Eu), jobId, null, CancellationToken.None), j => j!.ProgressDone >= 3, TimeSpan.FromSeconds(60), "the sweep to be under way");
                Assert.Equal(JobStates.Running, midway!.State);
            }
            finally
            {
                await first.DisposeAsync(); // a graceful stop: the runner hands the job back at once
            }

            await using var second = await RetentionServers.StartAsync(provider, SlowSweep, dataDirectory, postgres);
            var cell = second.Cell(Region.Eu);
            await Poll.UntilAsync(() => JobQueries.GetAsync(cell, jobId, null, CancellationToken.None), j => j!.State == JobStates.Completed, TimeSpan.FromSeconds(120), "the sweep to finish");
            var run = await RunOfJobAsync(cell, jobId);
            Assert.Equal(RetentionRunStates.Completed, run.State);
            Assert.Equal(1, await TestTagRule.CountAsync(cell, workspace.Id));
            Assert.Equal(20, JsonSerializer.Deserialize<Dictionary<string, long>>(run.Counts)![TestTagRule.Name]);
            using var api = second.Client(Region.Eu, workspace.Token);
            var entry = Assert.Single(await Audit.ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.RetentionRun);
            Assert.Equal(20, entry.GetProperty("metadata").GetProperty("rules").GetProperty(TestTagRule.Name).GetProperty("deleted").GetInt64());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Two processes on one database both schedule the day's sweep: one job exists, it is claimed once, and each workspace gets one entry.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TwoProcessesOnOneDatabase_BothEnqueueTheDaysSweep_OneJobExists_AndRunsOnce(string provider)
    {
        RetentionServers.SkipUnlessAvailable(provider);
        var dataDirectory = Directory.CreateTempSubdirectory("confide-retention-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        try
        {
            TestWorkspace workspace;
            await using (var setup = await RetentionServers.StartAsync(provider, null, dataDirectory, postgres))
            {
                workspace = await WorkspaceWithTagsAsync(setup, old: 6, recent: 1);
            }

            string[] scheduled = ["--Confide:Retention:Schedule=true", "--Confide:Retention:RunAt=00:00:00", "--Confide:Retention:CheckInterval=00:00:00.050", "--Confide:Jobs:PollInterval=00:00:00.100"];
            var hosts = await Task.WhenAll(
                RetentionServers.StartAsync(provider, scheduled, dataDirectory, postgres),
                RetentionServers.StartAsync(provider, scheduled, dataDirectory, postgres));
            try
            {
                var cell = hosts[0].Cell(Region.Eu);
                var job = await Poll.UntilAsync(() => SweepJobsAsync(cell), jobs => jobs.Count > 0 && jobs.All(j => j.State == JobStates.Completed), TimeSpan.FromSeconds(120), "the day's sweep to finish");
                var only = Assert.Single(job);
                Assert.Equal(RetentionScheduler.DayKey(DateOnly.FromDateTime(DateTime.UtcNow)), only.DeduplicationKey);
                Assert.Equal(1, only.Attempts);

                // Both processes' schedulers ask for the day's sweep: both get the one job, and none is added.
                foreach (var host in hosts)
                {
                    var again = await host.Services.GetRequiredService<RetentionScheduler>().EnqueueIfDueAsync(host.Cell(Region.Eu), CancellationToken.None);
                    Assert.Equal(only.Id, again!.Id);
                }

                Assert.Single(await SweepJobsAsync(cell));
                await using (var db = cell.CreateReadContext())
                {
                    Assert.Equal(only.Id, (await db.RetentionRuns.SingleAsync()).JobId);
                }

                Assert.Equal(1, await TestTagRule.CountAsync(cell, workspace.Id));
                using var api = hosts[1].Client(Region.Eu, workspace.Token);
                Assert.Single(await Audit.ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.RetentionRun);
                var status = await hosts[0].Services.GetRequiredService<RetentionStatusQueries>().RegionAsync(cell, 5, CancellationToken.None);
                Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1), status.NextRunAt!.Value.UtcDateTime);
            }
            finally
            {
                await Task.WhenAll(hosts.Select(h => h.DisposeAsync().AsTask()));
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public void NextRunAt_IsTodaysTimeUntilTodaysRunExists_ThenTomorrows()
    {
        var runAt = TimeSpan.FromHours(2);
        var morning = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero), RetentionScheduler.NextRunAt(morning, runAt, todayDone: false));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero), RetentionScheduler.NextRunAt(morning.AddHours(5), runAt, todayDone: false));
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero), RetentionScheduler.NextRunAt(morning.AddHours(5), runAt, todayDone: true));
        Assert.Equal("retention:2026-12-07", RetentionScheduler.DayKey(new DateOnly(2026, 12, 7)));
    }

    /// <summary>A workspace with the test rule on (30 days), <paramref name="old"/> tags 40 days old and <paramref name="recent"/> 5 days old.</summary>
    private static async Task<TestWorkspace> WorkspaceWithTagsAsync(TestServer server, int old, int recent)
    {
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        await (await api.PutAsJsonAsync(Route, new { rules = new[] { new { subject = TestTagRule.Name, after_days = 30, enabled = true } } })).JsonAsync();
        await TestTagRule.SeedAsync(server.Cell(Region.Eu), workspace.Id, old, daysAgo: 40);
        await TestTagRule.SeedAsync(server.Cell(Region.Eu), workspace.Id, recent, daysAgo: 5);
        return workspace;
    }

    private static async Task<RetentionRun> RunAndWaitAsync(TestServer server)
    {
        var cell = server.Cell(Region.Eu);
        var (outcome, jobId) = await server.Services.GetRequiredService<RetentionControls>().RunNowAsync(cell, CancellationToken.None);
        Assert.Equal(RetentionRunRequest.Queued, outcome);
        await Poll.UntilAsync(() => JobQueries.GetAsync(cell, jobId!, null, CancellationToken.None), j => j!.State == JobStates.Completed, TimeSpan.FromSeconds(120), "the sweep to finish");
        return await RunOfJobAsync(cell, jobId!);
    }

    private static async Task<RetentionRun> RunOfJobAsync(CellDatabase cell, string jobId)
    {
        await using var db = cell.CreateReadContext();
        return await db.RetentionRuns.AsNoTracking().SingleAsync(r => r.JobId == jobId);
    }

    private static async Task<RetentionRun> RunOfIdAsync(CellDatabase cell, string runId)
    {
        await using var db = cell.CreateReadContext();
        return await db.RetentionRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    private static async Task<List<Job>> SweepJobsAsync(CellDatabase cell)
    {
        await using var db = cell.CreateReadContext();
        return await db.Jobs.AsNoTracking().Where(j => j.Kind == RetentionSweepJob.JobKind).ToListAsync();
    }

    private static async Task<List<JsonElement>> RunEntriesAsync(TestWorkspace workspace)
    {
        using var api = workspace.Client();
        return [.. (await Audit.ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == ActivityTypes.RetentionRun)];
    }
}

/// <summary>Housekeeping for the engine's tests: reports <see cref="PerRun"/> rows once per run (it deletes nothing).</summary>
internal sealed class TestHousekeeping : IRetentionHousekeeping
{
    public const string Name = "test_housekeeping";
    public const int PerRun = 2;

    private readonly HashSet<DateTimeOffset> _runs = [];

    string IRetentionHousekeeping.Name => Name;

    public Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        lock (_runs)
        {
            return Task.FromResult(_runs.Add(now) ? new RetentionBatch(PerRun, null) : null);
        }
    }
}
