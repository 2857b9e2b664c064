namespace Confide.Privacy.Exports;

/// <summary><c>Confide:Privacy:Export</c>: how long an export's archive is kept, how long a download link works, and the step sizes; data exports share the retention.</summary>
public sealed class SubjectExportOptions
{
    public const string Section = "Confide:Privacy:Export";

    /// <summary>The archive is deleted this long after it was finished.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A download link works this long after it was made.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Conversation parts read, opened and written per job step (one step stays well inside the job lease).</summary>
    public int PartsPerStep { get; set; } = 5000;

    /// <summary>Activity-log entries read and opened per job step, looking for those that name the subject.</summary>
    public int ActivityEntriesPerStep { get; set; } = 5000;

    /// <summary>Outbound messages read, opened and written per step of a data export (Intercom's <c>/export/content/data</c>).</summary>
    public int ContentRowsPerStep { get; set; } = 2000;
}
