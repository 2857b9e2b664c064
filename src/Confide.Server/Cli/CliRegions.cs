using Confide.Data;
using Confide.Platform;

namespace Confide.Server.Cli;

/// <summary>The <c>--region</c> choice shared by the commands that work region by region.</summary>
internal static class CliRegions
{
    /// <summary>
    /// The region named by <paramref name="code"/>, or every region this deployment serves in code
    /// order when none is named; null, after saying why on standard error, for one it does not serve.
    /// </summary>
    public static async Task<IReadOnlyList<Region>?> SelectAsync(CellRegistry cells, string? code)
    {
        IReadOnlyList<Region>? regions = code is not null
            ? (Region.TryParse(code, out var only) && cells.Serves(only) ? [only] : null)
            : [.. cells.Regions.OrderBy(r => r.Code, StringComparer.Ordinal)];
        if (regions is null)
        {
            await Console.Error.WriteLineAsync("Unknown or unserved region. Use one of: " + string.Join(", ", cells.Regions));
        }

        return regions;
    }
}
