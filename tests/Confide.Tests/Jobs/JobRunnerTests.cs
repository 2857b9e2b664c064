using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Jobs;

public sealed class JobRunnerTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EnqueuedJob_RunsEveryStepOnce_AndCompletesWithProgress(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        await using var host = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a")));
        var workspace = await host.CreateWorkspaceAsync();

        var job = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 5)), CancellationToken.None);
        var done = await host.WaitForStateAsync(job.Id, JobStates.Completed);

        Assert.Equal((5L, 5L), (done!.ProgressDone, done.ProgressTotal));
        Assert.Equal(1, done.Attempts);
        Assert.NotNull(done.CompletedAt);
        Assert.Null(done.LeaseOwner);
        Assert.Null(done.LastError);
        Assert.Equal(new[] { 1, 1, 1, 1, 1 }, await CountingJob.CommittedStepsAsync(host.Cell, job.Id, 5));
        Assert.All(Enumerable.Range(0, 5), step => Assert.Equal(1, recorder.Runs(job.Id, step)));
        var listed = await JobQueries.ListAsync(host.Cell, new JobFilter(WorkspaceId: workspace, State: JobStates.Completed), CancellationToken.None);
        Assert.Equal(job.Id, Assert.Single(listed).Id);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Enqueue_WithATakenDeduplicationKey_ReturnsTheExistingJob(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        // No handler for the kind: the jobs stay queued, as for a kind this process does not know.
        await using var host = await JobTestHost.StartAsync(database, "a", _ => { });
        var workspace = await host.CreateWorkspaceAsync();
        var cell = host.Cell;

        var first = await host.Queue.EnqueueAsync(cell, new JobRequest("test.unhandled", workspace, DeduplicationKey: "export:ct_1"), CancellationToken.None);
        var again = await host.Queue.EnqueueAsync(cell, new JobRequest("test.unhandled", workspace, DeduplicationKey: "export:ct_1"), CancellationToken.None);
        var otherKey = await host.Queue.EnqueueAsync(cell, new JobRequest("test.unhandled", workspace, DeduplicationKey: "export:ct_2"), CancellationToken.None);
        var cellWide = await host.Queue.EnqueueAsync(cell, new JobRequest("test.unhandled", DeduplicationKey: "export:ct_1"), CancellationToken.None);
        var cellWideAgain = await host.Queue.EnqueueAsync(cell, new JobRequest("test.unhandled", DeduplicationKey: "export:ct_1"), CancellationToken.None);
        // Twice in one write unit: the second sees the first before it is saved.
        var (inUnit, inUnitAgain) = await cell.Writer.WriteAsync(async (db, ct) => (
            await host.Queue.EnqueueAsync(db, new JobRequest("test.unhandled", workspace, DeduplicationKey: "export:ct_3"), ct),
            await host.Queue.EnqueueAsync(db, new JobRequest("test.unhandled", workspace, DeduplicationKey: "export:ct_3"), ct)));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(cellWide.Id, cellWideAgain.Id);
        Assert.Equal(inUnit.Id, inUnitAgain.Id);
        Assert.Equal(4, new[] { first.Id, otherKey.Id, cellWide.Id, inUnit.Id }.Distinct().Count());
        var all = await JobQueries.ListAsync(cell, new JobFilter(Kind: "test.unhandled"), CancellationToken.None);
        Assert.Equal(4, all.Count);
        Assert.All(all, job => Assert.Equal(JobStates.Queued, job.State));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TransientFailure_IsRetriedWithBackoff_ThenCompletes(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        var thrown = 0;
        CountingJob.Hook busyOnce = (context, step, _) => step == 1 && Interlocked.Increment(ref thrown) == 1
            ? throw new SqliteException("database is locked", 5, 5)
            : Task.FromResult<JobStepResult?>(null);
        await using var host = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", busyOnce)));
        var workspace = await host.CreateWorkspaceAsync();

        var job = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 3)), CancellationToken.None);
        var done = await host.WaitForStateAsync(job.Id, JobStates.Completed);

        Assert.Equal(2, done!.Attempts);
        Assert.Equal("unavailable:sqlite:5", done.LastError);
        Assert.Equal(2, recorder.Runs(job.Id, 1));
        Assert.Equal(new[] { 1, 1, 1 }, await CountingJob.CommittedStepsAsync(host.Cell, job.Id, 3));
        Assert.Single(host.Logs.Lines, line => line.Contains(job.Id, StringComparison.Ordinal) && line.Contains("transient", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PermanentFailure_FailsTheJob_WithAClassifiedCode_AndOneLogLine(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        CountingJob.Hook failing = (context, step, _) => (step, context.Payload!.Contains("\"steps\":4", StringComparison.Ordinal)) switch
        {
            (2, true) => throw new InvalidOperationException("a bug that quotes canary-7f3a@example.com"),
            (1, false) => Task.FromResult<JobStepResult?>(JobStepResult.Failed("test.refused")),
            _ => Task.FromResult<JobStepResult?>(null),
        };
        await using var host = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", failing)));
        var workspace = await host.CreateWorkspaceAsync();

        var throwing = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 4)), CancellationToken.None);
        var refusing = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 3)), CancellationToken.None);
        var thrown = await host.WaitForStateAsync(throwing.Id, JobStates.Failed);
        var refused = await host.WaitForStateAsync(refusing.Id, JobStates.Failed);

        Assert.Equal("unexpected:InvalidOperationException", thrown!.LastError);
        Assert.Equal((2L, 1), (thrown.ProgressDone, thrown.Attempts));
        Assert.Equal(new[] { 1, 1, 0, 0 }, await CountingJob.CommittedStepsAsync(host.Cell, throwing.Id, 4));
        Assert.Equal("test.refused", refused!.LastError);
        Assert.Equal(1, recorder.Runs(throwing.Id, 2));
        Assert.Single(host.Logs.Lines, line => line.Contains(throwing.Id, StringComparison.Ordinal));
        Assert.Single(host.Logs.Lines, line => line.Contains(refusing.Id, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains("canary-7f3a", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Cancel_StopsAQueuedJob_BeforeItRuns(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a")), time);
        var workspace = await host.CreateWorkspaceAsync();

        var delayed = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 2), NotBefore: time.GetUtcNow().AddMinutes(1)), CancellationToken.None);
        Assert.True(await host.Queue.CancelAsync(host.Cell, delayed.Id));
        time.Advance(TimeSpan.FromMinutes(2));
        // Due jobs are claimed oldest first: once a later job completed, the cancelled one had its chance.
        var later = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 2)), CancellationToken.None);
        await host.WaitForStateAsync(later.Id, JobStates.Completed);

        var cancelled = await host.GetAsync(delayed.Id);
        Assert.Equal(JobStates.Cancelled, cancelled!.State);
        Assert.Equal(0, cancelled.Attempts);
        Assert.Equal(0, recorder.Runs(delayed.Id, 0));
        Assert.False(await host.Queue.CancelAsync(host.Cell, delayed.Id));
        Assert.False(await host.Queue.CancelAsync(host.Cell, later.Id));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Cancel_StopsARunningJob_AndItsStepInFlightDoesNotCommit(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CountingJob.Hook holdStep1 = async (_, step, _) =>
        {
            if (step == 1)
            {
                reached.TrySetResult();
                await gate.Task;
            }

            return null;
        };
        await using var host = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", holdStep1)));
        var workspace = await host.CreateWorkspaceAsync();

        var job = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 3)), CancellationToken.None);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(await host.Queue.CancelAsync(host.Cell, job.Id));
        gate.SetResult();
        await Poll.UntilAsync(() => host.Logs.Lines.Any(l => l.Contains(job.Id, StringComparison.Ordinal) && l.Contains("cancelled or taken over", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the runner to drop the job");

        var cancelled = await host.GetAsync(job.Id);
        Assert.Equal(JobStates.Cancelled, cancelled!.State);
        Assert.Equal(1, cancelled.ProgressDone);
        Assert.Equal(new[] { 1, 0, 0 }, await CountingJob.CommittedStepsAsync(host.Cell, job.Id, 3));
    }
}
