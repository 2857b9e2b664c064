using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>The operator's switch for a region's retention sweeps: paused or not, and by whom (docs/retention.md).</summary>
public sealed class RetentionControl
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    /// <summary>When the sweeps were paused; null while they run.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? PausedAt { get; set; }

    /// <summary>Who paused them (e.g. <c>confide-cli</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? PausedBy { get; set; }
}
