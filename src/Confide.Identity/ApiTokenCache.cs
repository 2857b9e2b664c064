using System.Collections.Concurrent;
using Confide.Data;
using Confide.Data.Notifications;
using Confide.Platform;

namespace Confide.Identity;

/// <summary>
/// Validated API tokens, so an authenticated request does not query five tables each time.
/// An entry is trusted only while its cell's <see cref="Data.Security.SecurityEpoch"/> is the one
/// it was read under — any committed change to tokens, teammates, roles, workspaces or accounts
/// moves it, in this process at once and in the cell's other processes with the change's commit —
/// and for at most <see cref="MaxAge"/>, in case a process stopped hearing the others without
/// noticing yet. While a PostgreSQL cell's listener is down nothing is cached. Entries hold the
/// token's id and its caller's permissions, never the secret (they are keyed by its hash).
/// </summary>
public sealed class ApiTokenCache(CellNotifications notifications, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<(Region Region, string Hash), Entry> _entries = new();
    private long _hits;

    private sealed record Entry(ApiTokenMatch Match, long Epoch, long ReadAt);

    /// <summary>Requests answered from the cache (for tests and diagnostics).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Whether results read now may be kept: the cell's other processes can be heard.</summary>
    public bool MayCache(CellDatabase cell) => notifications.IsListening(cell);

    /// <summary>The entry for a token hash if it was read under <paramref name="epoch"/> and is young enough.</summary>
    public ApiTokenMatch? Get(CellDatabase cell, string hash, long epoch)
    {
        if (!_entries.TryGetValue((cell.Region, hash), out var entry))
        {
            return null;
        }

        if (entry.Epoch != epoch || time.GetElapsedTime(entry.ReadAt) > MaxAge)
        {
            _entries.TryRemove(new KeyValuePair<(Region, string), Entry>((cell.Region, hash), entry));
            return null;
        }

        Interlocked.Increment(ref _hits);
        return entry.Match;
    }

    /// <param name="epoch">The epoch read <em>before</em> the query: a change committed meanwhile makes the entry stale at once.</param>
    public void Set(CellDatabase cell, string hash, ApiTokenMatch match, long epoch)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Bounded: far more live tokens than this is unusual; start over rather than track ages.
            _entries.Clear();
        }

        _entries[(cell.Region, hash)] = new Entry(match, epoch, time.GetTimestamp());
    }
}

/// <summary>What authenticating a token found: the caller, their role and permissions, and the workspace's access policy.</summary>
public sealed record ApiTokenMatch(
    string Id, string WorkspaceId, string TeammateId, string Role, string? RolePermissions, string? Scopes, DateTimeOffset? ExpiresAt,
    string TwoFactorRequirement, bool HasStrongFactor, string? IpAllowlist);
