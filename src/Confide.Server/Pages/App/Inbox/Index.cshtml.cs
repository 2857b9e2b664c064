using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Inbox;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Inbox;

[PagePermission(Permissions.ConversationsReadAssigned)]
public sealed class IndexModel(TeammateMemberships memberships, CurrentCell cell, InboxService inbox)
    : TeammatePageModel(memberships, cell)
{
    /// <summary>Conversations per page.</summary>
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? StateFilter { get; set; }

    /// <summary>The page after (older than) this opaque cursor.</summary>
    [BindProperty(SupportsGet = true, Name = "after")]
    public string? After { get; set; }

    /// <summary>The page before (newer than) this opaque cursor.</summary>
    [BindProperty(SupportsGet = true, Name = "before")]
    public string? Before { get; set; }

    public InboxFilter State { get; private set; } = InboxFilter.Open;

    public IReadOnlyList<InboxRow> Rows { get; private set; } = [];

    /// <summary>How many conversations each filter shows the teammate.</summary>
    public IReadOnlyDictionary<InboxFilter, int> Counts { get; private set; } = new Dictionary<InboxFilter, int>();

    /// <summary>Links to the newer and older pages of the same filter; null where there is none.</summary>
    public string? NewerLink { get; private set; }

    public string? OlderLink { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct))
        {
            return NotFound();
        }

        State = InboxFilterNames.Parse(StateFilter);
        if (Current is not null)
        {
            // A malformed or foreign cursor is no cursor: the first page.
            var request = InboxCursor.Decode(After) is { } older
                ? new InboxPageRequest(PageSize, Older: older)
                : new InboxPageRequest(PageSize, Newer: InboxCursor.Decode(Before));
            var page = await inbox.ListAsync(Current.WorkspaceId, State, request, ct, ConversationScope, Current.TeammateId);
            Rows = page.Rows;
            NewerLink = page.Newer is { } newer ? Link(State, before: newer) : null;
            OlderLink = page.Older is { } next ? Link(State, after: next) : null;
            Counts = await inbox.CountAsync(Current.WorkspaceId, ConversationScope, Current.TeammateId, ct);
        }

        return Page();
    }

    /// <summary>The list with <paramref name="filter"/>, from its first page or from a cursor.</summary>
    public string Link(InboxFilter filter, InboxCursor? after = null, InboxCursor? before = null)
    {
        var query = new QueryBuilder { { "workspace", Current?.WorkspaceId ?? "" }, { "state", filter.QueryValue() } };
        if (after is { } a)
        {
            query.Add("after", a.Encode());
        }

        if (before is { } b)
        {
            query.Add("before", b.Encode());
        }

        return "/app/inbox" + query.ToQueryString();
    }
}
