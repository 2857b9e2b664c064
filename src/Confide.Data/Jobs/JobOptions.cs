namespace Confide.Data.Jobs;

/// <summary>The job runner's settings (<c>Confide:Jobs</c>); see docs/jobs.md.</summary>
public sealed class JobOptions
{
    public const string Section = "Confide:Jobs";

    /// <summary>Jobs this process runs at once, across all its cells.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>How long a claimed job stays this process's without a committed step; renewed with every step.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each cell is checked for due jobs when no enqueue in this process woke the runner.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Claims of one job (crashes, takeovers and transient failures) before it is failed.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry after a transient failure; doubled for each further attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Finished jobs (completed, failed, cancelled) are deleted this many days after they finished, by the retention sweep's housekeeping.</summary>
    public int KeepFinishedDays { get; set; } = 30;

    internal TimeSpan RetryDelayFor(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }
}
