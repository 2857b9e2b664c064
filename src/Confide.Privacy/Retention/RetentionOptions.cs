using Confide.Data;

namespace Confide.Privacy.Retention;

/// <summary>The retention engine's settings, <c>Confide:Retention:*</c> (docs/retention.md).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Confide:Retention";

    /// <summary>Whether this process enqueues the daily sweep. Off, sweeps run only from <c>confide retention run</c> (or another process).</summary>
    public bool Schedule { get; set; } = true;

    /// <summary>The time of day (UTC) from which the day's sweep is enqueued.</summary>
    public TimeSpan RunAt { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Items a rule deletes per job step; unset, <see cref="SqliteBatchSize"/> or
    /// <see cref="PostgresBatchSize"/> by the region's database. Small, because a step's deletion is
    /// one transaction of the region's writer that live writes queue behind (docs/benchmarks.md,
    /// "Retention").
    /// </summary>
    public int? BatchSize { get; set; }

    /// <summary>An SQLite step holds the file's one write lock: short steps.</summary>
    public const int SqliteBatchSize = 25;

    /// <summary>A PostgreSQL step costs round trips and a commit whatever its size, and readers never wait for it: larger steps.</summary>
    public const int PostgresBatchSize = 100;

    /// <summary>Items a rule deletes per step in a cell on <paramref name="provider"/>.</summary>
    public int BatchSizeFor(DatabaseProvider provider) =>
        BatchSize ?? (provider == DatabaseProvider.Postgres ? PostgresBatchSize : SqliteBatchSize);

    /// <summary>The least pause between two steps of a sweep; zero for none.</summary>
    public TimeSpan StepPause { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The share of wall time a sweep may be busy (0.05–1): after a step that took <c>t</c>, it
    /// waits <c>t × (1 − share) / share</c> before the next, so live requests find the database
    /// and the cores free most of the time. 1 runs the steps back to back.
    /// </summary>
    public double BusyShare { get; set; } = 0.5;

    /// <summary>The longest pause between two steps, well inside the job lease that each step's commit renews.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(10);

    /// <summary>The rest after a step that took <paramref name="stepTook"/>: the busy-share pause, at least <see cref="StepPause"/>, at most <see cref="MaxPause"/>.</summary>
    public TimeSpan PauseAfter(TimeSpan stepTook)
    {
        var yielding = stepTook * ((1 - BusyShare) / BusyShare);
        return TimeSpan.FromTicks(Math.Clamp(Math.Max(yielding.Ticks, StepPause.Ticks), 0, MaxPause.Ticks));
    }

    /// <summary>How often the scheduler looks whether the day's sweep is due.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The operator's periods for built-in rules, by subject (<c>Confide:Retention:BuiltInAfterDays:visitor=180</c>),
    /// replacing the rule's own default; a workspace may still shorten them, never lengthen them.
    /// </summary>
    public Dictionary<string, int> BuiltInAfterDays { get; } = new(StringComparer.Ordinal);
}
