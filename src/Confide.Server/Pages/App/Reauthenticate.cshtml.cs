using System.Security.Claims;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.TwoFactor;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// Step-up re-authentication (<see cref="StepUp"/>): the signed-in teammate proves it is still
/// them with their strongest method — a code from their authenticator app when they have one,
/// else their password — and the session is re-stamped as freshly authenticated. Wrong answers
/// count towards lockout, as at sign-in.
/// </summary>
public sealed class ReauthenticateModel(UserManager<TeammateAccount> users, TimeProvider clock, CurrentCell cell) : PageModel
{
    private const string FailureMessage = "That was not right, the code was already used, or the account is temporarily locked.";

    [BindProperty]
    public string Answer { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>What the teammate is asked for.</summary>
    public ReauthenticationMethod Method { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var verified = Method switch
        {
            ReauthenticationMethod.AuthenticatorCode => Answer.Trim() is { Length: > 0 and <= 16 } code
                && await users.VerifyTwoFactorTokenAsync(account, TwoFactorProviders.Authenticator, code),
            ReauthenticationMethod.Password => Answer.Length is > 0 and <= 1024 && await users.CheckPasswordAsync(account, Answer),
            _ => false,
        };
        var locked = await users.IsLockedOutAsync(account);
        var metadata = new JsonObject { ["method"] = Method == ReauthenticationMethod.AuthenticatorCode ? "totp" : "password", ["succeeded"] = verified && !locked };
        if (!verified || locked)
        {
            if (!verified)
            {
                await users.AccessFailedAsync(account);
            }

            await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminReauthentication, "A re-authentication was refused.", metadata);
            Error = FailureMessage;
            return Page();
        }

        await users.ResetAccessFailedCountAsync(account);
        await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminReauthentication, "The teammate re-authenticated.", metadata);
        await RestampSessionAsync();
        return LocalRedirect(LoginModel.SafeReturnUrl(Url, ReturnUrl));
    }

    /// <summary>Re-issues the session cookie with a new authentication time, keeping everything else (its sign-in time, method).</summary>
    private async Task RestampSessionAsync()
    {
        var current = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var identity = new ClaimsIdentity(User.Claims.Where(c => c.Type != SessionClaims.AuthenticatedAt), User.Identity?.AuthenticationType);
        identity.AddClaim(SessionClaims.AuthenticatedAtClaim(clock.GetUtcNow()));
        await HttpContext.SignInAsync(IdentityConstants.ApplicationScheme, new ClaimsPrincipal(identity), current.Properties);
    }

    private async Task<TeammateAccount?> LoadAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var account = await users.GetUserAsync(User);
        if (account is not null)
        {
            Method = account.TwoFactorEnabled ? ReauthenticationMethod.AuthenticatorCode
                : account.PasswordHash is not null ? ReauthenticationMethod.Password
                : ReauthenticationMethod.SingleSignOn;
        }

        return account;
    }
}

public enum ReauthenticationMethod
{
    AuthenticatorCode,
    Password,

    /// <summary>An account with neither: it signs in only through its workspace's identity provider, and re-authenticates by doing so again.</summary>
    SingleSignOn,
}
