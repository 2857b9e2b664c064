using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// Moves a region's contact keys from its local SQLite file into the PostgreSQL key store its
/// settings now name (<c>confide keys move-store</c>): every row of <c>contact_keys</c> and
/// <c>retiring_data_keys</c> in one transaction, verified, and only then the local file (with its
/// -wal and -shm) is deleted. Run while no process serves the region; safe to repeat after a
/// failure (nothing is deleted until the copy is committed and checked).
/// </summary>
public static class ContactKeyStoreMove
{
    /// <summary>What was moved: counts of keys and retiring marks, and where to.</summary>
    public sealed record Result(int Keys, int Marks, string From, string To);

    /// <summary>Moves the region's keys to where <paramref name="contactKeys"/>' settings put them.</summary>
    public static Task<Result> MoveAsync(ContactKeyRing contactKeys, Region region, CancellationToken cancellationToken) =>
        MoveAsync(
            region,
            contactKeys.StorePath(region),
            contactKeys.PostgresStore(region) ?? throw new InvalidOperationException($"Region '{region}' has no PostgreSQL key store: set Confide:Regions:{region.Code}:KeyStore:Postgres first."),
            cancellationToken);

    /// <summary>Moves the keys of the file at <paramref name="path"/> into the store at <paramref name="postgres"/>.</summary>
    public static async Task<Result> MoveAsync(Region region, string path, string postgres, CancellationToken cancellationToken)
    {
        var target = await PostgresContactKeyStore.OpenAsync(region, postgres, cancellationToken);
        if (!File.Exists(path))
        {
            return new Result(0, 0, path, target.Location);
        }

        var source = await SqliteContactKeyStore.OpenAsync(region, path, cancellationToken);
        var (keys, marks) = await source.ExportAsync(cancellationToken);
        var (moved, movedMarks) = await target.ImportAsync(keys, marks, cancellationToken);
        SqliteContactKeyStore.DeleteFiles(path);
        return new Result(moved, movedMarks, path, target.Location);
    }
}
