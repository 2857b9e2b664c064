using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Inbox;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Inbox;

[PagePermission(Permissions.ConversationsReadAssigned)]
public sealed class IndexModel(TeammateMemberships memberships, CurrentCell cell, InboxService inbox)
    : TeammatePageModel(memberships, cell)
{
    [BindProperty(SupportsGet = true, Name = "state")]
    public string? StateFilter { get; set; }

    public InboxFilter State { get; private set; } = InboxFilter.Open;

    public IReadOnlyList<InboxRow> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct))
        {
            return NotFound();
        }

        State = InboxFilterNames.Parse(StateFilter);
        if (Current is not null)
        {
            Rows = await inbox.ListAsync(Current.WorkspaceId, State, limit: 100, ct, ConversationScope, Current.TeammateId);
        }

        return Page();
    }
}
