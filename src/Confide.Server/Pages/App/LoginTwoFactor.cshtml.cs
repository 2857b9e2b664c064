using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// The second step of signing in, for accounts with two-factor sign-in: a code from the
/// authenticator app (each code works once) or one of the one-time recovery codes. Reached only
/// with the short-lived cookie the password step sets; wrong codes count towards lockout.
/// </summary>
[AllowAnonymous]
public sealed class LoginTwoFactorModel(SignInManager<TeammateAccount> signInManager, CurrentCell cell) : PageModel
{
    private const string FailureMessage = "That code is not valid, was already used, or the account is temporarily locked.";

    [BindProperty]
    public string Code { get; set; } = "";

    [BindProperty]
    public bool UseRecoveryCode { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        return await signInManager.GetTwoFactorAuthenticationUserAsync() is null ? RedirectToPage("/App/Login") : Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var account = await signInManager.GetTwoFactorAuthenticationUserAsync();
        if (account is null)
        {
            return RedirectToPage("/App/Login");
        }

        var code = Code.Trim();
        var result = code.Length is 0 or > 64
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : UseRecoveryCode
                ? await signInManager.TwoFactorRecoveryCodeSignInAsync(code)
                : await signInManager.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
        var factor = UseRecoveryCode ? "recovery_code" : "totp";
        if (!result.Succeeded)
        {
            await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminLoginFailure, "A second sign-in factor was refused.",
                new JsonObject { ["sign_in_method"] = "password", ["second_factor"] = factor, ["reason"] = result.IsLockedOut ? "locked_out" : "wrong_second_factor" });
            Error = FailureMessage;
            return Page();
        }

        await SignInActivity.RecordSignInAsync(HttpContext, signInManager, account.Id, "Signed in with a password and a second factor.",
            new JsonObject { ["sign_in_method"] = "password", ["second_factor"] = factor });
        return LocalRedirect(LoginModel.SafeReturnUrl(Url, ReturnUrl));
    }
}
