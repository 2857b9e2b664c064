using Confide.Platform;
using Microsoft.Extensions.Options;

namespace Confide.Data;

/// <summary>
/// The cells this process serves, one database each. Only the region resolver of a request
/// (<see cref="CurrentCell"/>) and operator commands given an explicit region pick a cell here.
/// </summary>
public sealed class CellRegistry : IAsyncDisposable
{
    private readonly Dictionary<Region, CellDatabase> _cells;

    public CellRegistry(IOptions<ConfideOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        foreach (var region in settings.ServedRegions())
        {
            if (settings.For(region).Postgres is { Length: > 0 } connectionString)
            {
                PostgresTransportSecurity.EnsureVerifyFull(region, connectionString, settings.AllowInsecurePostgres);
            }
        }

        _cells = settings.ServedRegions().ToDictionary(
            region => region,
            region => settings.For(region).Postgres is { Length: > 0 } postgres
                ? new CellDatabase(region, DatabaseProvider.Postgres, postgres, time, TimeSpan.FromSeconds(settings.PostgresWriteRetrySeconds))
                : CellDatabase.ForSqliteFile(region, SqlitePath(settings, region), time));
    }

    public IReadOnlyCollection<Region> Regions => _cells.Keys;

    public IEnumerable<CellDatabase> All => _cells.Values;

    public bool Serves(Region region) => _cells.ContainsKey(region);

    public CellDatabase Get(Region region) =>
        _cells.TryGetValue(region, out var cell)
            ? cell
            : throw new InvalidOperationException($"This process does not serve region '{region}'.");

    public static string SqlitePath(ConfideOptions options, Region region) =>
        Path.Combine(options.DataDirectoryFullPath, "regions", region.Code, "confide.db");

    public async ValueTask DisposeAsync()
    {
        foreach (var cell in _cells.Values)
        {
            await cell.DisposeAsync();
        }
    }
}
