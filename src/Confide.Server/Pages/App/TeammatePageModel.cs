using System.Security.Claims;
using Confide.Data;
using Confide.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// Base of the signed-in pages: finds the workspaces of the current region that the account
/// belongs to and the one selected with <c>?workspace=</c>. A workspace the account does not
/// belong to is indistinguishable from one that does not exist.
/// </summary>
public abstract class TeammatePageModel(TeammateMemberships memberships, CurrentCell cell) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "workspace")]
    public string? WorkspaceId { get; set; }

    public IReadOnlyList<Membership> Memberships { get; private set; } = [];

    public Membership? Current { get; private set; }

    /// <summary>The request's region database.</summary>
    protected CurrentCell Cell { get; } = cell;

    /// <summary>Loads the memberships; false when the requested workspace is not one of them.</summary>
    protected async Task<bool> ResolveWorkspaceAsync(CancellationToken ct)
    {
        ViewData["Region"] = Cell.Region.Code;
        var accountId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        Memberships = accountId is null ? [] : await memberships.ForAccountAsync(accountId, ct);
        Current = WorkspaceId is null
            ? (Memberships.Count > 0 ? Memberships[0] : null)
            : Memberships.FirstOrDefault(m => m.WorkspaceId == WorkspaceId);
        // The layout's navigation keeps the selected workspace.
        ViewData["Workspace"] = Current?.WorkspaceId;
        return WorkspaceId is null || Current is not null;
    }
}
