using Confide.Platform;

namespace Confide.Data;

/// <summary>
/// The cell of the current request, set once by the region resolver at the edge. Anything
/// that touches data gets its database from here, so a query cannot run before a region is
/// resolved and cannot reach a region other than the endpoint's own.
/// </summary>
public sealed class CurrentCell
{
    private CellDatabase? _database;

    public bool IsResolved => _database is not null;

    public Region Region => Database.Region;

    public CellDatabase Database =>
        _database ?? throw new InvalidOperationException("No region has been resolved for this request.");

    public void Resolve(CellDatabase database)
    {
        if (_database is not null && _database != database)
        {
            throw new InvalidOperationException("The region of a request cannot change once resolved.");
        }

        _database = database;
    }
}
