using Confide.Platform;

namespace Confide.Data;

/// <summary>A region's database could not be reached or written (down, unreachable, disk full, read-only): the process cannot serve that region.</summary>
public sealed class DatabaseUnavailableException(Region region, string reason, Exception inner)
    : Exception($"Region '{region.Code}': its database is unavailable ({reason}). Check that it is running and reachable and that its disk has space, then start again.", inner)
{
    public Region Region { get; } = region;

    /// <summary>The provider's error code (see <see cref="DatabaseFailure.ReasonOf"/>).</summary>
    public string Reason { get; } = reason;
}
