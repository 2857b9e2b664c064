using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Data.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> claim of the request being handled, ambient for the request's code.
/// The first <see cref="CellWriter"/> unit the request queues inserts <see cref="Claim"/> in its
/// own savepoint before its work, so the key is taken exactly when that write commits: a crash
/// in between cannot leave a write without its key, nor a key without its write. Read only
/// where a unit is queued (the caller's flow), never on the writer's loop.
/// </summary>
public sealed class IdempotencyScope(IdempotencyKey claim, DateTimeOffset expiredBefore)
{
    private static readonly AsyncLocal<IdempotencyScope?> Ambient = new();

    private const int Open = 0;
    private const int Claiming = 1;
    private const int Claimed = 2;
    private int _state;

    /// <summary>The row to insert: the key's hashes and when; the outcome is filled in later.</summary>
    public IdempotencyKey Claim { get; } = claim;

    /// <summary>True once a unit of this request committed the claim (and with it a write).</summary>
    public bool IsClaimed => Volatile.Read(ref _state) == Claimed;

    /// <summary>Makes <paramref name="scope"/> the claim of the code that runs in this flow until disposed.</summary>
    public static IDisposable Enter(IdempotencyScope scope)
    {
        var previous = Ambient.Value;
        Ambient.Value = scope;
        return new Exit(previous);
    }

    /// <summary>
    /// The claim a unit being queued must insert, or null: none in this flow, already claimed, or
    /// being claimed by a unit in flight (units of one request queued concurrently claim once).
    /// </summary>
    internal static IdempotencyScope? TakeForUnit()
    {
        var scope = Ambient.Value;
        return scope is not null && Interlocked.CompareExchange(ref scope._state, Claiming, Open) == Open ? scope : null;
    }

    /// <summary>After the unit's transaction: claimed if it committed, open again (for a later unit) if it did not.</summary>
    internal void Settle(bool committed) => Volatile.Write(ref _state, committed ? Claimed : Open);

    /// <summary>
    /// Inserts the claim in the unit's savepoint, first deleting an expired claim of the same key
    /// the housekeeping has not reached yet. A key claimed before fails the unit with
    /// <see cref="IdempotencyKeyTakenException"/>, and the unit's work never runs.
    /// </summary>
    internal async Task InsertAsync(ConfideDbContext db, CancellationToken cancellationToken)
    {
        var (workspace, token, key, before) = (Claim.WorkspaceId, Claim.TokenId, Claim.KeyHash, expiredBefore);
        await db.IdempotencyKeys
            .Where(k => k.WorkspaceId == workspace && k.TokenId == token && k.KeyHash == key && k.CreatedAt < before)
            .ExecuteDeleteAsync(cancellationToken);
        var row = new IdempotencyKey
        {
            WorkspaceId = Claim.WorkspaceId,
            TokenId = Claim.TokenId,
            KeyHash = Claim.KeyHash,
            RequestHash = Claim.RequestHash,
            CreatedAt = Claim.CreatedAt,
        };
        db.IdempotencyKeys.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (DatabaseFailure.IsConflict(ex))
        {
            throw new IdempotencyKeyTakenException();
        }

        // The work that follows starts from a clean tracker, as a unit without a claim does.
        db.Entry(row).State = EntityState.Detached;
    }

    private sealed class Exit(IdempotencyScope? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
