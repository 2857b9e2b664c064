using System.Security.Claims;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// Where a mailed invitation link leads. Whoever holds the link reads the invited address's mail:
/// if the address has an account, they sign in to it and accept among its invitations; if not,
/// they create the account here (choosing a password, unless the workspace signs in only through
/// single sign-on) and it joins at once. Then they sign in the usual way, under every policy.
/// </summary>
[AllowAnonymous]
public sealed class JoinModel(TeammateInvitations invitations, UserManager<TeammateAccount> users, CurrentCell cell) : PageModel
{
    public const string InvalidLinkMessage =
        "This invitation link does not work any more: it was used, replaced by a newer one, declined or has expired. Ask the workspace to send the invitation again.";

    public string Token { get; private set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty]
    public string ConfirmPassword { get; set; } = "";

    public OpenedInvitation? Opened { get; private set; }

    /// <summary>Signed in as the invited account already: it can accept straight away.</summary>
    public bool SignedInAsInvitee { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string token)
    {
        Token = token;
        if (!await OpenAsync())
        {
            return Invalid();
        }

        return SignedInAsInvitee ? Redirect("/app/invitations") : Page();
    }

    public async Task<IActionResult> OnPostAsync(string token)
    {
        Token = token;
        if (!await OpenAsync())
        {
            return Invalid();
        }

        if (Opened!.AccountId is not null)
        {
            return Page();
        }

        string? password = null;
        if (!Opened.WorkspaceRequiresSso)
        {
            if (Password != ConfirmPassword)
            {
                Error = "The two passwords are not the same.";
                return Page();
            }

            var candidate = new TeammateAccount { UserName = Opened.Email, Email = Opened.Email };
            var problems = new List<string>();
            foreach (var validator in users.PasswordValidators)
            {
                var result = await validator.ValidateAsync(users, candidate, Password);
                problems.AddRange(result.Errors.Select(e => e.Description));
            }

            if (problems.Count > 0)
            {
                Error = string.Join(" ", problems);
                return Page();
            }

            password = Password;
        }

        try
        {
            await invitations.JoinWithNewAccountAsync(cell.Database, Token,
                account => password is null ? null : users.PasswordHasher.HashPassword(account, password),
                HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        }
        catch (ConfideException e) when (e.Error.Status == System.Net.HttpStatusCode.NotFound)
        {
            return Invalid();
        }
        catch (ConfideException e) when (e.Error.Status == System.Net.HttpStatusCode.Conflict)
        {
            // An account with the address appeared meanwhile: it signs in and accepts.
            await OpenAsync();
            return Page();
        }

        return Opened.WorkspaceRequiresSso
            ? Redirect($"/app/sso/{Uri.EscapeDataString(Opened.Invitation.WorkspaceId)}/start")
            : Redirect("/app/login?joined=1");
    }

    private async Task<bool> OpenAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        // The link is a credential: it must not travel on in a Referer. (The pages with a form are
        // kept out of caches by antiforgery; the others hold nothing worth caching.)
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Opened = Token.Length is > 0 and <= 128 ? await invitations.OpenLinkAsync(cell.Database, Token, HttpContext.RequestAborted) : null;
        SignedInAsInvitee = Opened?.AccountId is { } accountId
            && User.FindFirstValue(ClaimTypes.NameIdentifier) == accountId
            && SessionClaims.MethodOf(User) != SignInMethods.Sso;
        return Opened is not null;
    }

    private PageResult Invalid()
    {
        Error = InvalidLinkMessage;
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }
}
