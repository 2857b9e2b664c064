using System.Collections.Concurrent;
using System.Diagnostics;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Jobs;

/// <summary>A handler that paces itself (<see cref="IJobHandler.PauseAfterStep"/>) gets its rest between steps.</summary>
public sealed class JobPacingTests
{
    private static readonly TimeSpan Rest = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(20);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PacedJob_RestsAfterEachStep_ForWhatItsHandlerAsks_AndIsToldHowLongTheStepTook(string provider)
    {
        await using var database = await JobDatabase.CreateAsync(provider);
        var paced = new PacedJob(new CountingJob(new StepRecorder(), "a"));
        await using var host = await JobTestHost.StartAsync(database, "a", s => s.AddSingleton<IJobHandler>(paced));
        var workspace = await host.CreateWorkspaceAsync();

        var job = await host.Queue.EnqueueAsync(host.Cell, new JobRequest(CountingJob.KindName, workspace, CountingJob.Payload(workspace, 3)), CancellationToken.None);
        await host.WaitForStateAsync(job.Id, JobStates.Completed);

        var starts = paced.Starts.OrderBy(t => t).ToArray();
        Assert.Equal(3, starts.Length);
        // Less a little: the runtime's timers may fire a tick early.
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.True(Stopwatch.GetElapsedTime(pair.First, pair.Second) >= Rest - TimerSlack, "a step started before the rest after the previous one"));
        Assert.Equal(2, paced.Reported.Count); // not after the last step
        Assert.All(paced.Reported, took => Assert.True(took > TimeSpan.Zero));
        Assert.Equal(new[] { 1, 1, 1 }, await CountingJob.CommittedStepsAsync(host.Cell, job.Id, 3));
    }

    private sealed class PacedJob(CountingJob inner) : IJobHandler
    {
        public ConcurrentBag<long> Starts { get; } = [];

        public ConcurrentBag<TimeSpan> Reported { get; } = [];

        public string Kind => inner.Kind;

        public Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
        {
            Starts.Add(Stopwatch.GetTimestamp());
            return inner.RunStepAsync(context, cancellationToken);
        }

        public TimeSpan PauseAfterStep(TimeSpan stepTook)
        {
            Reported.Add(stepTook);
            return Rest;
        }
    }
}
