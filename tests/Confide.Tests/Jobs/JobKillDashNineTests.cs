using System.Diagnostics;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Jobs;

/// <summary>
/// SIGKILL of a process in the middle of a job: another process takes the job over once the
/// lease runs out, resumes from the last committed checkpoint, and every step commits exactly
/// once. The killed process is this test assembly run again with one explicit test (the server
/// executable has no job handler of its own yet, and the test handler lives here).
/// </summary>
public sealed class JobKillDashNineTests
{
    private const string DataVariable = "CONFIDE_JOB_CHILD_DATA";
    private const string PostgresVariable = "CONFIDE_JOB_CHILD_POSTGRES";
    private const int Steps = 400;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task JobInFlight_AtKillDashNine_IsResumedByAnotherProcess_WithEveryStepCommittedOnce(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var recorder = new StepRecorder();
        // This host only enqueues and watches (it has no handler, so its runner claims nothing).
        await using var watcher = await JobTestHost.StartAsync(database, "watcher", _ => { });
        var workspace = await watcher.CreateWorkspaceAsync();
        var job = await watcher.Queue.EnqueueAsync(watcher.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, Steps)), CancellationToken.None);

        using (var child = StartChild(database))
        {
            try
            {
                await watcher.WaitForProgressAsync(job.Id, atLeast: 20, TimeSpan.FromMinutes(2));
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }
        }

        var killed = await watcher.GetAsync(job.Id);
        Assert.Equal(JobStates.Running, killed!.State);
        Assert.True(killed.ProgressDone < Steps, "the job finished before the kill; the test proves nothing");

        // The lease of the killed process (2 s) runs out; this process takes over.
        await using var survivor = await JobTestHost.StartAsync(database, "survivor", s => s.AddSingleton<IJobHandler>(new CountingJob(recorder, "survivor")));
        var done = await survivor.WaitForStateAsync(job.Id, JobStates.Completed, seconds: 180);

        // At least the child's claim and this one (a child slowed past its short lease may have taken its own job back).
        Assert.True(done!.Attempts >= 2, $"attempts: {done.Attempts}");
        Assert.Equal(Enumerable.Repeat(1, Steps), await CountingJob.CommittedStepsAsync(survivor.Cell, job.Id, Steps));
        var resumedAt = recorder.All.Where(r => r.Key.JobId == job.Id).Min(r => r.Key.Step);
        Assert.True(resumedAt >= killed.ProgressDone, $"resumed at step {resumedAt}, before the checkpoint {killed.ProgressDone} seen at the kill");
        Assert.All(recorder.All.Where(r => r.Key.JobId == job.Id), r => Assert.Equal(1, r.Value));
    }

    /// <summary>The killed process: runs the counting jobs of the database it is given until it is killed.</summary>
    [Fact(Explicit = true)]
    public async Task RunJobsUntilKilled()
    {
        var data = Environment.GetEnvironmentVariable(DataVariable);
        Assert.SkipWhen(data is null, "Runs only as the child process of the kill -9 test.");
        var database = JobDatabase.Open(data!, Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } pg ? pg : null);
        CountingJob.Hook slowly = async (_, _, ct) =>
        {
            await Task.Delay(20, ct);
            return null;
        };
        await using var host = await JobTestHost.StartAsync(
            database, "child", s => s.AddSingleton<IJobHandler>(new CountingJob(new StepRecorder(), "child", slowly)),
            settings: new Dictionary<string, string> { ["Lease"] = "00:00:02", ["PollInterval"] = "00:00:00.100" });
        // Killed long before this; the bound only keeps a lost child from running for ever.
        await Task.Delay(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
    }

    private static Process StartChild(JobDatabase database)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(JobKillDashNineTests).Assembly.Location);
        info.ArgumentList.Add("-method");
        info.ArgumentList.Add($"{typeof(JobKillDashNineTests).FullName}.{nameof(RunJobsUntilKilled)}");
        info.ArgumentList.Add("-explicit");
        info.ArgumentList.Add("only");
        info.Environment[DataVariable] = database.DataDirectory;
        info.Environment[PostgresVariable] = database.Postgres ?? "";
        var child = Process.Start(info)!;
        // Drained so the child never blocks on a full pipe.
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return child;
    }
}
