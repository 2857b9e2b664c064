using System.Collections.Concurrent;
using System.Text.Json;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Jobs;

/// <summary>
/// What the test handlers did, across every host of a test: how often each step of each job ran
/// and on which host, and whether any job ever ran on two hosts (or twice) at the same moment.
/// </summary>
public sealed class StepRecorder
{
    private readonly ConcurrentDictionary<(string JobId, int Step), int> _runs = new();
    private readonly ConcurrentDictionary<string, byte> _active = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _hosts = new();
    private int _overlaps;

    public int Overlaps => Volatile.Read(ref _overlaps);

    public int Runs(string jobId, int step) => _runs.GetValueOrDefault((jobId, step));

    public IReadOnlyCollection<string> HostsOf(string jobId) => _hosts.TryGetValue(jobId, out var hosts) ? [.. hosts.Distinct()] : [];

    public IEnumerable<KeyValuePair<(string JobId, int Step), int>> All => _runs;

    public void Begin(string jobId, int step, string host)
    {
        if (!_active.TryAdd(jobId, 0))
        {
            Interlocked.Increment(ref _overlaps);
        }

        _runs.AddOrUpdate((jobId, step), 1, (_, n) => n + 1);
        _hosts.GetOrAdd(jobId, _ => []).Add(host);
    }

    public void End(string jobId) => _active.TryRemove(jobId, out _);
}

/// <summary>
/// A test job of <c>steps</c> steps (from its payload). Each step adds one tag named
/// <c>{job}:{step}</c> in its commit, so the tags count the steps that committed; a hook lets a
/// test make a step hang, throw or fail on one host.
/// </summary>
public sealed class CountingJob(StepRecorder recorder, string host, CountingJob.Hook? hook = null) : IJobHandler
{
    public const string KindName = "test.counting";

    public delegate Task<JobStepResult?> Hook(JobContext context, int step, CancellationToken cancellationToken);

    public string Kind => KindName;

    public static string Payload(string workspaceId, int steps) => JsonSerializer.Serialize(new { workspace = workspaceId, steps });

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(context.Payload!);
        var workspaceId = payload.RootElement.GetProperty("workspace").GetString()!;
        var steps = payload.RootElement.GetProperty("steps").GetInt32();
        var step = context.Checkpoint is null ? 0 : JsonDocument.Parse(context.Checkpoint).RootElement.GetProperty("next").GetInt32();
        recorder.Begin(context.JobId, step, host);
        try
        {
            if (hook is not null && await hook(context, step, cancellationToken) is { } replaced)
            {
                return replaced;
            }

            Func<ConfideDbContext, CancellationToken, Task> write = (db, _) =>
            {
                db.Tags.Add(new Tag { Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspaceId, Name = $"{context.JobId}:{step}" });
                return Task.CompletedTask;
            };
            return step + 1 == steps
                ? JobStepResult.Completed(steps, steps, write)
                : JobStepResult.More(JsonSerializer.Serialize(new { next = step + 1 }), step + 1, steps, write);
        }
        finally
        {
            recorder.End(context.JobId);
        }
    }

    /// <summary>How many times each step of <paramref name="jobId"/> committed (by its tag), step by step.</summary>
    public static async Task<int[]> CommittedStepsAsync(CellDatabase cell, string jobId, int steps)
    {
        await using var db = cell.CreateReadContext();
        var names = await db.Tags.Where(t => t.Name.StartsWith(jobId + ":")).Select(t => t.Name).ToListAsync();
        return [.. Enumerable.Range(0, steps).Select(step => names.Count(n => n == $"{jobId}:{step}"))];
    }
}
