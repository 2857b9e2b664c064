using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.TwoFactor;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// Step-up re-authentication (<see cref="StepUp"/>): the signed-in teammate proves it is still
/// them with their strongest method — a code from their authenticator app or one of their
/// passkeys when they have either, else their password — and the session is re-stamped as
/// freshly authenticated. Wrong answers count towards lockout, as at sign-in.
/// </summary>
public sealed class ReauthenticateModel(UserManager<TeammateAccount> users, TeammateSignInManager signInManager, CurrentCell cell) : PageModel
{
    private const string FailureMessage = "That was not right, the code was already used, or the account is temporarily locked.";

    [BindProperty]
    public string Answer { get; set; } = "";

    /// <summary>The result of <c>navigator.credentials.get()</c> as JSON, posted by js/passkeys.js.</summary>
    [BindProperty]
    public string CredentialJson { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool OffersAuthenticatorCode { get; private set; }

    public bool OffersPasskey { get; private set; }

    /// <summary>Only for accounts with neither an authenticator nor a passkey: the password is then their strongest method.</summary>
    public bool OffersPassword { get; private set; }

    /// <summary>Neither: the account signs in only through its workspace's identity provider, and re-authenticates by doing so again.</summary>
    public bool OnlySingleSignOn => !OffersAuthenticatorCode && !OffersPasskey && !OffersPassword;

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    /// <summary>An authenticator code, or the password where that is the account's strongest method.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var method = OffersAuthenticatorCode ? "totp" : "password";
        var verified = OffersAuthenticatorCode
            ? Answer.Trim() is { Length: > 0 and <= 16 } code && await users.VerifyTwoFactorTokenAsync(account, TwoFactorProviders.Authenticator, code)
            : OffersPassword && Answer.Length is > 0 and <= 1024 && await users.CheckPasswordAsync(account, Answer);
        return await ConcludeAsync(account, method, verified);
    }

    /// <summary>Starts a passkey ceremony limited to this account's passkeys.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        await LoadAsync() is { } account && OffersPasskey
            ? Content(await signInManager.MakePasskeyRequestOptionsAsync(account), "application/json")
            : NotFound();

    public async Task<IActionResult> OnPostPasskeyAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var verified = OffersPasskey
            && CredentialJson.Length is > 0 and <= Confide.Identity.Passkeys.PasskeyOptions.MaxCredentialJsonLength
            && await signInManager.VerifyPasskeyOfAsync(account, CredentialJson);
        return await ConcludeAsync(account, SignInMethods.Passkey, verified);
    }

    private async Task<IActionResult> ConcludeAsync(TeammateAccount account, string method, bool verified)
    {
        var locked = await users.IsLockedOutAsync(account);
        var metadata = new JsonObject { ["method"] = method, ["succeeded"] = verified && !locked };
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
        await signInManager.RenewAuthenticationAsync(account);
        return LocalRedirect(LoginModel.SafeReturnUrl(Url, ReturnUrl));
    }

    private async Task<TeammateAccount?> LoadAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var account = await users.GetUserAsync(User);
        if (account is not null)
        {
            OffersAuthenticatorCode = account.TwoFactorEnabled;
            OffersPasskey = (await users.GetPasskeysAsync(account)).Count > 0;
            OffersPassword = !OffersAuthenticatorCode && !OffersPasskey && account.PasswordHash is not null;
        }

        return account;
    }
}
