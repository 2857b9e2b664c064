using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Jobs;

/// <summary>
/// Several runners on one cell database, each in a host of its own as separate processes would be:
/// a job is never run by two at once, a dead runner's job is taken over once its lease expires
/// and resumes from its checkpoint, and a step the dead runner had not committed cannot commit late.
/// </summary>
public sealed class JobTakeoverTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task StalledRunner_LosesTheJobWhenItsLeaseExpires_AndAnotherResumesFromTheCheckpoint(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var revive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Runner a stops making progress in step 3, as a process that died (or hangs) would; it
        // runs one job at a time, so it claims nothing else meanwhile.
        CountingJob.Hook stallAtStep3 = async (_, step, _) =>
        {
            if (step == 3)
            {
                stalled.TrySetResult();
                await revive.Task;
            }

            return null;
        };
        var single = new Dictionary<string, string> { ["Concurrency"] = "1" };
        await using var a = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", stallAtStep3)), time, single);
        var workspace = await a.CreateWorkspaceAsync();
        var job = await a.Queue.EnqueueAsync(a.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 8)), CancellationToken.None);
        await stalled.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var held = await a.GetAsync(job.Id);
        Assert.Equal((JobStates.Running, 3L), (held!.State, held.ProgressDone));
        Assert.StartsWith(a.Runner.Owner + "#", held.LeaseOwner, StringComparison.Ordinal);

        await using var b = await JobTestHost.StartAsync(database, "b", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "b")), time);
        time.Advance(new JobOptions().Lease + TimeSpan.FromSeconds(1));
        var done = await b.WaitForStateAsync(job.Id, JobStates.Completed);

        Assert.Equal(2, done!.Attempts);
        Assert.Equal(8, done.ProgressDone);
        Assert.Contains(b.Logs.Lines, line => line.Contains(job.Id, StringComparison.Ordinal) && line.Contains("resumes from its last checkpoint", StringComparison.Ordinal));
        // Steps 0-2 committed by a are not repeated; step 3 ran on both but committed once.
        Assert.All(new[] { 0, 1, 2, 4, 5, 6, 7 }, step => Assert.Equal(1, recorder.Runs(job.Id, step)));
        Assert.Equal(2, recorder.Runs(job.Id, 3));

        // a comes back to life and finishes its step 3: its lease is gone, so nothing of it commits.
        revive.SetResult();
        await Poll.UntilAsync(() => a.Logs.Lines.Any(l => l.Contains(job.Id, StringComparison.Ordinal) && l.Contains("taken over", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "a to drop the job");
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 1, 1, 1 }, await CountingJob.CommittedStepsAsync(a.Cell, job.Id, 8));
        var after = await a.GetAsync(job.Id);
        Assert.Equal((JobStates.Completed, 8L, (string?)null), (after!.State, after.ProgressDone, after.LeaseOwner));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task StepOutlivingTheLease_IsShutOut_EvenWhenTheSameRunnerTakesTheJobBack(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = 0;
        CountingJob.Hook slowFirstStep1 = async (_, step, _) =>
        {
            if (step == 1 && Interlocked.Increment(ref first) == 1)
            {
                slow.TrySetResult();
                await release.Task;
            }

            return null;
        };
        await using var a = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", slowFirstStep1)), time);
        var workspace = await a.CreateWorkspaceAsync();
        var job = await a.Queue.EnqueueAsync(a.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 4)), CancellationToken.None);
        await slow.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // The slow step outlives the lease; the same runner, with a free slot, claims the job again.
        time.Advance(new JobOptions().Lease + TimeSpan.FromSeconds(1));
        var done = await a.WaitForStateAsync(job.Id, JobStates.Completed);
        release.SetResult();
        await Poll.UntilAsync(() => a.Logs.Lines.Any(l => l.Contains(job.Id, StringComparison.Ordinal) && l.Contains("taken over", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the slow run to be shut out");

        Assert.Equal(2, done!.Attempts);
        Assert.Equal(2, recorder.Runs(job.Id, 1));
        Assert.Equal(new[] { 1, 1, 1, 1 }, await CountingJob.CommittedStepsAsync(a.Cell, job.Id, 4));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TwoRunners_OnOneDatabase_RunEveryStepOfManyJobsExactlyOnce(string provider)
    {
        const int Jobs = 40;
        const int Steps = 4;
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        CountingJob.Hook briefWork = async (_, _, ct) =>
        {
            await Task.Delay(5, ct);
            return null;
        };
        var three = new Dictionary<string, string> { ["Concurrency"] = "3" };
        await using var a = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", briefWork)), settings: three);
        await using var b = await JobTestHost.StartAsync(database, "b", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "b", briefWork)), settings: three);
        var workspace = await a.CreateWorkspaceAsync();

        // Enqueued through both, as requests reaching either process would.
        var jobs = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(i =>
        {
            var host = i % 2 == 0 ? a : b;
            return host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, Steps)), CancellationToken.None);
        }));
        await Poll.UntilAsync(
            () => JobQueries.ListAsync(a.Cell, new JobFilter(WorkspaceId: workspace, State: JobStates.Completed, Limit: 1000), CancellationToken.None),
            completed => completed.Count == Jobs,
            TimeSpan.FromMinutes(3),
            "every job completed");

        Assert.Equal(0, recorder.Overlaps);
        foreach (var job in jobs)
        {
            Assert.All(Enumerable.Range(0, Steps), step => Assert.Equal(1, recorder.Runs(job.Id, step)));
            Assert.Equal(Enumerable.Repeat(1, Steps), await CountingJob.CommittedStepsAsync(a.Cell, job.Id, Steps));
            var summary = await a.GetAsync(job.Id);
            Assert.Equal((1, (string?)null), (summary!.Attempts, summary.LastError));
        }

        // Both runners took part (a job runs on one host only: no takeovers here).
        Assert.All(jobs, job => Assert.Single(recorder.HostsOf(job.Id)));
        Assert.Contains(jobs, job => recorder.HostsOf(job.Id).Single() == "a");
        Assert.Contains(jobs, job => recorder.HostsOf(job.Id).Single() == "b");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task StoppedHost_HandsItsJobBack_AndAnotherHostFinishesIt(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // In step 2 the host is asked to stop: the step sees the cancellation and does not commit.
        CountingJob.Hook waitInStep2 = async (_, step, ct) =>
        {
            if (step == 2)
            {
                reached.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return null;
        };
        var a = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "a", waitInStep2)));
        var workspace = await a.CreateWorkspaceAsync();
        var job = await a.Queue.EnqueueAsync(a.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 4)), CancellationToken.None);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await a.DisposeAsync();

        await using var b = await JobTestHost.StartAsync(database, "b", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "b")));
        var handedBack = await b.GetAsync(job.Id);
        Assert.True(handedBack!.State is JobStates.Queued or JobStates.Running or JobStates.Completed, handedBack.State);
        var done = await b.WaitForStateAsync(job.Id, JobStates.Completed);

        // A stop is not an attempt: the job was handed back, not abandoned to its lease.
        Assert.Equal(1, done!.Attempts);
        Assert.Equal(new[] { 1, 1, 1, 1 }, await CountingJob.CommittedStepsAsync(b.Cell, job.Id, 4));
        Assert.Equal(1, recorder.Runs(job.Id, 0));
        Assert.Equal(1, recorder.Runs(job.Id, 1));
    }
}
