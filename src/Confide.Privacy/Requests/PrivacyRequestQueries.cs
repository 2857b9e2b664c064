using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Requests;

/// <summary>What the list shows: a state (or all) and a deadline filter.</summary>
/// <param name="Due"><c>overdue</c>, <c>due_soon</c> or <c>all</c> (see <see cref="PrivacyRequestDeadlines"/>).</param>
public sealed record PrivacyRequestFilter(string? State, string Due)
{
    public const string Overdue = "overdue";
    public const string DueSoon = "due_soon";
    public const string AnyDeadline = "all";

    public static IReadOnlyList<string> DueValues { get; } = [Overdue, DueSoon, AnyDeadline];

    /// <summary>Checks query values; a 400 naming the parameter for anything else.</summary>
    public static PrivacyRequestFilter Parse(string? state, string? due)
    {
        if (state is not null && state != AnyDeadline && !PrivacyRequestStates.All.Contains(state, StringComparer.Ordinal))
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"state must be one of: {string.Join(", ", PrivacyRequestStates.All)}, all"));
        }

        if (due is not null && !DueValues.Contains(due, StringComparer.Ordinal))
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"due must be one of: {string.Join(", ", DueValues)}"));
        }

        return new PrivacyRequestFilter(state is null or AnyDeadline ? null : state, due ?? AnyDeadline);
    }
}

/// <summary>Reads privacy requests: one, or a page ordered by the deadline in force (soonest first).</summary>
public sealed class PrivacyRequestQueries(WorkspaceKeyRing keys, TimeProvider time)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 150;

    public async Task<PrivacyRequestView> GetAsync(CellDatabase cell, string workspaceId, string requestId, CancellationToken ct)
    {
        if (!PublicIds.IsEntityId(requestId))
        {
            throw new ConfideException(ConfideError.NotFound("Privacy request"));
        }

        PrivacyRequest request;
        await using (var db = cell.CreateReadContext())
        {
            request = await db.PrivacyRequests.AsNoTracking().FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.Id == requestId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Privacy request"));
        }

        return await ViewAsync(cell, request, ct);
    }

    public async Task<PrivacyRequestView> ViewAsync(CellDatabase cell, PrivacyRequest request, CancellationToken ct) =>
        PrivacyRequestView.From(request, await keys.WorkforceAsync(cell, request.WorkspaceId, ct), time.GetUtcNow());

    public async Task<PrivacyRequestListView> PageAsync(CellDatabase cell, string workspaceId, PrivacyRequestFilter filter, int? perPage, string? startingAfter, CancellationToken ct)
    {
        var size = perPage switch
        {
            null => DefaultPageSize,
            < 1 or > MaxPageSize => throw new ConfideException(ConfideError.ParameterInvalid($"per_page must be between 1 and {MaxPageSize}")),
            _ => perPage.Value,
        };
        var after = DecodeCursor(startingAfter);
        var now = time.GetUtcNow();
        var soon = now + LegalDeadline.DueSoonWindow;
        var open = PrivacyRequestStates.Open;
        await using var db = cell.CreateReadContext();
        var all = db.PrivacyRequests.AsNoTracking().Where(r => r.WorkspaceId == workspaceId);
        var overdue = all.Where(r => open.Contains(r.State) && r.DeadlineAt < now);
        var dueSoon = all.Where(r => open.Contains(r.State) && r.DeadlineAt >= now && r.DeadlineAt < soon);
        var filtered = filter.Due switch
        {
            PrivacyRequestFilter.Overdue => overdue,
            PrivacyRequestFilter.DueSoon => dueSoon,
            _ => all,
        };
        if (filter.State is { } state)
        {
            filtered = filtered.Where(r => r.State == state);
        }

        var total = await filtered.CountAsync(ct);
        var overdueCount = await overdue.CountAsync(ct);
        var dueSoonCount = await dueSoon.CountAsync(ct);
        if (after is var (deadline, id))
        {
            filtered = filtered.Where(r => r.DeadlineAt > deadline || (r.DeadlineAt == deadline && string.Compare(r.Id, id) > 0));
        }

        var page = await filtered.OrderBy(r => r.DeadlineAt).ThenBy(r => r.Id).Take(size + 1).ToListAsync(ct);
        var hasMore = page.Count > size;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, ct);
        var views = page.Select(r => PrivacyRequestView.From(r, workforce, now)).ToList();
        var next = hasMore ? new PrivacyRequestNextPageView(size, EncodeCursor(page[^1])) : null;
        var pages = new PrivacyRequestPagesView(size, Math.Max(1, (int)Math.Ceiling(total / (double)size)), next);
        return new PrivacyRequestListView(views, total, pages, overdueCount, dueSoonCount);
    }

    /// <summary>The cursor is the last row's position in the order (deadline, id), wrapped so clients do not build their own.</summary>
    private static string EncodeCursor(PrivacyRequest last) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{last.DeadlineAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{last.Id}"));

    private static (DateTimeOffset Deadline, string Id)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split(':');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                && ms <= UnixSeconds.Max * 1000 && PublicIds.IsEntityId(parts[1]))
            {
                return (DateTimeOffset.FromUnixTimeMilliseconds(ms), parts[1]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ConfideException(ConfideError.ParameterInvalid("starting_after is not a valid cursor"));
    }
}
