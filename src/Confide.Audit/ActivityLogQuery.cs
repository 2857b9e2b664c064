using System.Runtime.CompilerServices;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Audit;

/// <summary>
/// Which entries of a workspace's log to read. Filters use the rows' clear columns; every entry
/// shown is still opened from its sealed bytes and checked against its leaf hash.
/// </summary>
/// <param name="CreatedFrom">Inclusive.</param>
/// <param name="CreatedBefore">Exclusive.</param>
/// <param name="ActivityTypes">Any of these types; null or empty for all.</param>
/// <param name="ActorTeammateId">Only entries performed by this teammate.</param>
public sealed record ActivityLogFilter(
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedBefore = null,
    IReadOnlyCollection<string>? ActivityTypes = null,
    string? ActorTeammateId = null);

/// <summary>An opened entry: parsed, and the exact bytes that were hashed.</summary>
public sealed record ActivityLogItem(ActivityEntry Entry, byte[] Json);

/// <summary>
/// One page, newest first. <paramref name="Older"/> is the cursor for the next (older) page,
/// <paramref name="Newer"/> the cursor for the previous (newer) one; null when there is none.
/// </summary>
public sealed record ActivityLogPage(IReadOnlyList<ActivityLogItem> Items, long? Older, long? Newer);

/// <summary>
/// Filtered reads of a workspace's activity log, newest first, paged by sequence (keyset
/// paging: stable while new entries are appended, and served by the primary key).
/// </summary>
public sealed class ActivityLogQuery(WorkspaceKeyRing keys)
{
    private const int Batch = 500;

    /// <summary>
    /// Entries older than <paramref name="before"/>, or else newer than <paramref name="after"/>,
    /// or else the newest; at most <paramref name="size"/>.
    /// </summary>
    public async Task<ActivityLogPage> PageAsync(
        CellDatabase cell, string workspaceId, ActivityLogFilter filter, long? before, long? after, int size, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        await using var db = cell.CreateReadContext();
        var query = Filtered(db, workspaceId, filter);
        // Walking back towards the newest: read upwards from the cursor, then show newest first.
        var upwards = after is not null && before is null;
        var rows = upwards
            ? await query.Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(size + 1).ToListAsync(ct)
            : await Older(query, before).OrderByDescending(e => e.Sequence).Take(size + 1).ToListAsync(ct);
        var more = rows.Count > size;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (rows.Count == 0)
        {
            return new ActivityLogPage([], null, null);
        }

        if (upwards)
        {
            rows.Reverse();
        }

        // One direction is known from the extra row; the other needs one look past the page's edge.
        var newest = rows[0].Sequence;
        var oldest = rows[^1].Sequence;
        // Without a cursor the page is the newest there is: nothing newer to look for.
        var hasNewer = upwards ? more : before is not null && await query.AnyAsync(e => e.Sequence > newest, ct);
        var hasOlder = upwards ? await query.AnyAsync(e => e.Sequence < oldest, ct) : more;
        var workforce = await keys.WorkforceAsync(cell, workspaceId, ct);
        return new ActivityLogPage([.. rows.Select(r => Open(workforce, r))], hasOlder ? oldest : null, hasNewer ? newest : null);
    }

    /// <summary>How many entries match (for Intercom's <c>pages.total_pages</c>).</summary>
    public static async Task<int> CountAsync(CellDatabase cell, string workspaceId, ActivityLogFilter filter, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return await Filtered(db, workspaceId, filter).CountAsync(ct);
    }

    /// <summary>Every matching entry, newest first, read in batches (for downloads).</summary>
    public async IAsyncEnumerable<ActivityLogItem> AllAsync(
        CellDatabase cell, string workspaceId, ActivityLogFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        var workforce = await keys.WorkforceAsync(cell, workspaceId, ct);
        long? before = null;
        while (true)
        {
            List<ActivityLogEntry> rows;
            await using (var db = cell.CreateReadContext())
            {
                rows = await Older(Filtered(db, workspaceId, filter), before)
                    .OrderByDescending(e => e.Sequence)
                    .Take(Batch)
                    .ToListAsync(ct);
            }

            foreach (var row in rows)
            {
                yield return Open(workforce, row);
            }

            if (rows.Count < Batch)
            {
                yield break;
            }

            before = rows[^1].Sequence;
        }
    }

    private static IQueryable<ActivityLogEntry> Filtered(ConfideDbContext db, string workspaceId, ActivityLogFilter filter)
    {
        var query = db.ActivityLogEntries.Where(e => e.WorkspaceId == workspaceId);
        if (filter.CreatedFrom is { } from)
        {
            query = query.Where(e => e.CreatedAt >= from);
        }

        if (filter.CreatedBefore is { } until)
        {
            query = query.Where(e => e.CreatedAt < until);
        }

        if (filter.ActivityTypes is { Count: > 0 } types)
        {
            query = query.Where(e => types.Contains(e.ActivityType));
        }

        if (filter.ActorTeammateId is { } actor)
        {
            query = query.Where(e => e.ActorId == actor);
        }

        return query;
    }

    private static IQueryable<ActivityLogEntry> Older(IQueryable<ActivityLogEntry> query, long? before) =>
        before is { } cursor ? query.Where(e => e.Sequence < cursor) : query;

    private static ActivityLogItem Open(WorkforceCipher workforce, ActivityLogEntry row)
    {
        var json = ActivityLog.Open(workforce, row);
        return new ActivityLogItem(ActivityEntry.Parse(json), json);
    }
}
