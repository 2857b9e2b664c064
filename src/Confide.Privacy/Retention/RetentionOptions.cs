namespace Confide.Privacy.Retention;

/// <summary>The retention engine's settings, <c>Confide:Retention:*</c> (docs/retention.md).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Confide:Retention";

    /// <summary>Whether this process enqueues the daily sweep. Off, sweeps run only from <c>confide retention run</c> (or another process).</summary>
    public bool Schedule { get; set; } = true;

    /// <summary>The time of day (UTC) from which the day's sweep is enqueued.</summary>
    public TimeSpan RunAt { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Items a rule deletes per job step.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>A pause before each step of a sweep, so live writes go first; zero for none.</summary>
    public TimeSpan StepPause { get; set; } = TimeSpan.Zero;

    /// <summary>How often the scheduler looks whether the day's sweep is due.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The operator's periods for built-in rules, by subject (<c>Confide:Retention:BuiltInAfterDays:visitor=180</c>),
    /// replacing the rule's own default; a workspace may still shorten them, never lengthen them.
    /// </summary>
    public Dictionary<string, int> BuiltInAfterDays { get; } = new(StringComparer.Ordinal);
}
