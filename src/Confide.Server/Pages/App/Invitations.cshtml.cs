using System.Security.Claims;
using Confide.Data;
using Confide.Identity;
using Confide.Platform;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// The signed-in account's invitations: workspaces that added an address that already had an
/// account here. Accepting joins the workspace; declining tells it nothing. Only a session the
/// person signed in to themselves (password or passkey) can answer: a workspace's identity
/// provider vouching for the address is exactly what an invitation does not take as consent.
/// </summary>
public sealed class InvitationsModel(TeammateInvitations invitations, CurrentCell cell) : PageModel
{
    public const string SsoSessionMessage =
        "You signed in through a workspace's identity provider. To answer an invitation, sign in with your password or a passkey.";

    public IReadOnlyList<PendingInvitation> Pending { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public bool IsSsoSession => SessionClaims.MethodOf(User) == SignInMethods.Sso;

    public async Task OnGetAsync() => await LoadAsync();

    public Task<IActionResult> OnPostAcceptAsync(string invitation) =>
        AnswerAsync(invitation, async (accountId, ct) =>
        {
            await invitations.AcceptAsync(cell.Database, accountId, invitation, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
            return "You joined the workspace.";
        });

    public Task<IActionResult> OnPostDeclineAsync(string invitation) =>
        AnswerAsync(invitation, async (accountId, ct) =>
        {
            await invitations.DeclineAsync(cell.Database, accountId, invitation, ct);
            return "You declined the invitation. The workspace is not told.";
        });

    private async Task<IActionResult> AnswerAsync(string invitation, Func<string, CancellationToken, Task<string>> answer)
    {
        var accountId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (accountId is null || string.IsNullOrEmpty(invitation))
        {
            return Challenge();
        }

        if (IsSsoSession)
        {
            Error = SsoSessionMessage;
        }
        else
        {
            try
            {
                Message = await answer(accountId, HttpContext.RequestAborted);
            }
            catch (ConfideException e) when (e.Error.Status is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
            {
                Error = "That invitation can no longer be answered (it expired, was withdrawn or was already answered).";
            }
        }

        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var accountId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        // A session vouched for by one workspace's identity provider sees none: other workspaces'
        // invitations (their names, the role they offer) are not that provider's to read.
        Pending = accountId is null || IsSsoSession ? [] : await invitations.PendingForAsync(cell.Database, accountId, HttpContext.RequestAborted);
    }
}
