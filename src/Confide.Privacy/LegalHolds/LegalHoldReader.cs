using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.LegalHolds;

/// <summary>What the list shows: every hold, the active ones or the others (released or lapsed); optionally one target's.</summary>
public sealed record LegalHoldFilter(string State, string? TargetType, string? TargetId)
{
    public const string Active = "active";
    public const string Inactive = "inactive";
    public const string All = "all";

    public static IReadOnlyList<string> States { get; } = [Active, Inactive, All];

    /// <summary>Checks query values; a 400 naming the parameter for anything else.</summary>
    public static LegalHoldFilter Parse(string? state, string? targetType, string? targetId)
    {
        if (state is not null && !States.Contains(state, StringComparer.Ordinal))
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"state must be one of: {string.Join(", ", States)}"));
        }

        if (targetType is not null && !LegalHoldTargets.IsValid(targetType))
        {
            throw new ConfideException(ConfideError.ParameterInvalid(
                $"target_type must be one of: {LegalHoldTargets.Contact}, {LegalHoldTargets.Conversation}, {LegalHoldTargets.Workspace}"));
        }

        // Ids are lower-case hex, or a workspace's letters, digits and underscore: anything else matches nothing, and is refused before a query.
        if (targetId is { Length: > 32 } || (targetId is not null && !targetId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("target_id is not an id"));
        }

        return new LegalHoldFilter(state ?? All, targetType, string.IsNullOrEmpty(targetId) ? null : targetId);
    }
}

/// <summary>Reads legal holds: one, or a page, newest first (ids grow with time).</summary>
public sealed class LegalHoldReader(WorkspaceKeyRing keys, TimeProvider time)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 150;

    public async Task<LegalHoldView> GetAsync(CellDatabase cell, string workspaceId, string holdId, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(holdId))
        {
            throw new ConfideException(ConfideError.NotFound("Legal hold"));
        }

        LegalHold hold;
        await using (var db = cell.CreateReadContext())
        {
            hold = await db.LegalHolds.AsNoTracking().FirstOrDefaultAsync(h => h.WorkspaceId == workspaceId && h.Id == holdId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Legal hold"));
        }

        return await ViewAsync(cell, hold, ct);
    }

    public async Task<LegalHoldView> ViewAsync(CellDatabase cell, LegalHold hold, CancellationToken ct) =>
        LegalHoldView.From(hold, await keys.WorkforceAsync(cell, hold.WorkspaceId, ct), time.GetUtcNow());

    public async Task<LegalHoldListView> PageAsync(CellDatabase cell, string workspaceId, LegalHoldFilter filter, int? perPage, string? startingAfter, CancellationToken ct)
    {
        var size = perPage switch
        {
            null => DefaultPageSize,
            < 1 or > MaxPageSize => throw new ConfideException(ConfideError.ParameterInvalid($"per_page must be between 1 and {MaxPageSize}")),
            _ => perPage.Value,
        };
        if (startingAfter is not null && !PublicIds.IsEntityId(startingAfter))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("starting_after is not a valid cursor"));
        }

        var now = time.GetUtcNow();
        await using var db = cell.CreateReadContext();
        var holds = filter.State switch
        {
            LegalHoldFilter.Active => db.ActiveHolds(workspaceId, now),
            LegalHoldFilter.Inactive => db.LegalHolds.Where(h => h.WorkspaceId == workspaceId && (h.ReleasedAt != null || (h.Until != null && h.Until <= now))),
            _ => db.LegalHolds.Where(h => h.WorkspaceId == workspaceId),
        };
        if (filter.TargetType is { } type)
        {
            holds = holds.Where(h => h.TargetType == type);
        }

        if (filter.TargetId is { } target)
        {
            holds = holds.Where(h => h.TargetId == target);
        }

        var total = await holds.CountAsync(ct);
        if (startingAfter is not null)
        {
            holds = holds.Where(h => string.Compare(h.Id, startingAfter) < 0);
        }

        var page = await holds.AsNoTracking().OrderByDescending(h => h.Id).Take(size + 1).ToListAsync(ct);
        var hasMore = page.Count > size;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, ct);
        var views = page.Select(h => LegalHoldView.From(h, workforce, now)).ToList();
        var next = hasMore ? new LegalHoldNextPageView(size, page[^1].Id) : null;
        return new LegalHoldListView(views, total, new LegalHoldPagesView(size, Math.Max(1, (int)Math.Ceiling(total / (double)size)), next));
    }
}
