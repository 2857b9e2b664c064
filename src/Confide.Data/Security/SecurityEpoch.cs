namespace Confide.Data.Security;

/// <summary>
/// A cell's security epoch: a number that moves after every committed change to what
/// authenticates or authorizes a caller — tokens, teammates and their roles, workspaces and
/// their policies, accounts and their second factors (<see cref="SecurityWrites"/> notices them).
/// A cache of authentication results keeps the epoch it read under; once the epoch moved the
/// entry is stale. Other processes of a PostgreSQL cell move theirs through a notification
/// sent in the same transaction (<see cref="SecurityEpochNotices"/>).
/// </summary>
public sealed class SecurityEpoch
{
    private long _value;

    public long Current => Interlocked.Read(ref _value);

    /// <summary>Raised after a local change that other processes have not been told about yet.</summary>
    internal event Action? Unannounced;

    /// <summary>After a committed security change; <paramref name="announced"/> when its notification went out with the commit.</summary>
    internal void Move(bool announced)
    {
        Interlocked.Increment(ref _value);
        if (!announced)
        {
            Unannounced?.Invoke();
        }
    }

    /// <summary>Another process changed something, or its notices may have been missed.</summary>
    internal void MoveForOtherProcess() => Interlocked.Increment(ref _value);
}
