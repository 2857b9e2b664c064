using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// Orders storing newly wrapped keys against a master-key rotation, through the region's
/// <see cref="MasterKeyFence"/> row, instead of trusting a grace period. A write unit that
/// stores a wrapped key enters the fence first (an update, which takes the row's lock until the
/// unit's transaction ends) and only then wraps. The rotation marks the versions it retires
/// (an update of the same row, so it waits for units inside the fence) before it scans. A unit
/// that committed before the mark is found by the scans; one after it wraps under the new version.
/// </summary>
public static class MasterKeyFences
{
    /// <summary>How many retired versions the fence remembers (a straggler from long ago cannot exist).</summary>
    private const int Remembered = 16;

    /// <summary>Ensures the region's fence row exists (start-up of a cell).</summary>
    public static async Task EnsureAsync(CellDatabase cell, CancellationToken cancellationToken)
    {
        await using (var db = cell.CreateReadContext())
        {
            if (await db.MasterKeyFences.AnyAsync(f => f.Region == cell.Region.Code, cancellationToken))
            {
                return;
            }
        }

        await cell.Writer.WriteAsync(async (db, ct) => await EnterAsync(db, cell.Region, ct), cancellationToken);
    }

    /// <summary>
    /// Enters the fence within a write unit; call it before wrapping a key the unit stores. Returns
    /// the versions being retired, which the new key must not be wrapped under.
    /// </summary>
    public static async Task<IReadOnlySet<Guid>> EnterAsync(ConfideDbContext db, Region region, CancellationToken cancellationToken)
    {
        var entered = await db.MasterKeyFences
            .Where(f => f.Region == region.Code)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Generation, f => f.Generation + 1), cancellationToken);
        if (entered == 0)
        {
            db.MasterKeyFences.Add(new MasterKeyFence { Region = region.Code, Generation = 1 });
            await db.SaveChangesAsync(cancellationToken);
            return new HashSet<Guid>();
        }

        var retiring = await db.MasterKeyFences.Where(f => f.Region == region.Code).Select(f => f.RetiringMasterKeyIds).FirstAsync(cancellationToken);
        return Parse(retiring).ToHashSet();
    }

    /// <summary>
    /// Within a write unit that stores wrapped keys: enters the fence, then runs
    /// <paramref name="wrap"/>, and refuses its result if a key is under a version being retired.
    /// </summary>
    public static async Task<T> WrapInsideAsync<T>(ConfideDbContext db, Region region, Func<Task<T>> wrap, Func<T, IEnumerable<Guid>> masterKeyIds, CancellationToken cancellationToken)
    {
        var retiring = await EnterAsync(db, region, cancellationToken);
        var wrapped = await wrap();
        EnsureNotRetiring(retiring, region, masterKeyIds(wrapped));
        return wrapped;
    }

    /// <summary>Refuses keys wrapped under a version being retired: this process's view of the master key is stale.</summary>
    private static void EnsureNotRetiring(IReadOnlySet<Guid> retiring, Region region, IEnumerable<Guid> masterKeyIds)
    {
        foreach (var id in masterKeyIds)
        {
            if (retiring.Contains(id))
            {
                throw new MasterKeyUnavailableException(
                    $"Region '{region}': master key {id} is being retired by a rotation, but this process still wraps under it; try again.");
            }
        }
    }

    /// <summary>Marks <paramref name="oldKeyIds"/> as being retired; returns once every unit inside the fence has finished.</summary>
    public static Task MarkRetiringAsync(CellDatabase cell, IEnumerable<Guid> oldKeyIds, CancellationToken cancellationToken) =>
        cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnterAsync(db, cell.Region, ct);
            var fence = await db.MasterKeyFences.AsTracking().FirstAsync(f => f.Region == cell.Region.Code, ct);
            var ids = Parse(fence.RetiringMasterKeyIds).Concat(oldKeyIds).Distinct().TakeLast(Remembered);
            fence.RetiringMasterKeyIds = string.Join(' ', ids);
        }, cancellationToken);

    private static List<Guid> Parse(string? ids) =>
        [.. (ids ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)];
}
