using System.Security.Claims;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Server.Hosting;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

[AllowAnonymous]
public sealed class LoginModel(
    TeammateSignInManager signInManager,
    UserManager<TeammateAccount> users,
    IPasswordHasher<TeammateAccount> hasher,
    TeammateMemberships memberships,
    CurrentCell cell) : PageModel
{
    // One message for every failure: it must not reveal whether an account exists or is locked.
    private const string FailureMessage = "The email or password is incorrect, or the account is temporarily locked.";
    private const string SsoRequiredMessage = "Your workspace requires single sign-on: sign in with SSO instead.";
    private const string MethodNotAllowedMessage = "Your workspace does not accept this way of signing in: use another (SSO or a passkey).";
    private const string PasskeyFailureMessage = "That passkey was not accepted, or the account is temporarily locked.";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    /// <summary>Arrived from an invitation link that just created the account.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Joined { get; set; }

    /// <summary>The result of <c>navigator.credentials.get()</c> as JSON, posted by js/passkeys.js.</summary>
    [BindProperty]
    public string CredentialJson { get; set; } = "";

    public string? PasskeyError { get; private set; }

    public void OnGet() => ViewData["Region"] = cell.Region.Code;

    /// <summary>Only pages of the app itself: never an open redirect.</summary>
    internal static string SafeReturnUrl(IUrlHelper url, string? returnUrl) =>
        url.IsLocalUrl(returnUrl) && returnUrl.StartsWith("/app/", StringComparison.Ordinal) ? returnUrl : "/app/inbox";

    public async Task<IActionResult> OnPostAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var account = Email.Length is > 0 and <= 254 ? await users.FindByEmailAsync(Email.Trim()) : null;
        if (account is null)
        {
            // Spend the same time as a real check so response times do not reveal unknown emails.
            hasher.HashPassword(new TeammateAccount(), Password);
            Error = FailureMessage;
            return Page();
        }

        var result = await signInManager.PasswordSignInAsync(account, Password, isPersistent: false, lockoutOnFailure: true);
        var accountMemberships = result.Succeeded || result.RequiresTwoFactor ? await memberships.ForAccountAsync(account.Id, HttpContext.RequestAborted) : [];
        if (SignInPolicy.RefusesPasswordSignIn(accountMemberships))
        {
            // The password was right, but no workspace of the account accepts a password session.
            await signInManager.SignOutAsync();
            await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminLoginFailure, "A password sign-in was refused: no workspace of the account accepts it.",
                new JsonObject { ["sign_in_method"] = "password", ["reason"] = RefusalReason(accountMemberships) });
            Error = RefusalMessage(accountMemberships);
            return Page();
        }

        if (result.RequiresTwoFactor)
        {
            // The password was right; the session starts only after the second factor.
            return RedirectToPage("/App/LoginTwoFactor", new { ReturnUrl });
        }

        if (!result.Succeeded)
        {
            var reason = result.IsLockedOut ? "locked_out" : result.IsNotAllowed ? "not_allowed" : "wrong_password";
            await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminLoginFailure, "A password sign-in failed.",
                new JsonObject { ["sign_in_method"] = "password", ["reason"] = reason });
            Error = FailureMessage;
            return Page();
        }

        await SignInActivity.RecordSignInAsync(HttpContext, signInManager, account.Id, "Signed in with a password.",
            new JsonObject { ["sign_in_method"] = "password" });
        return LocalRedirect(SafeReturnUrl(Url, ReturnUrl));
    }

    /// <summary>
    /// Starts a passkey sign-in: WebAuthn request options with a fresh one-time challenge (kept in
    /// Identity's short-lived two-factor cookie) and no allowed-credential list, so the browser
    /// offers the passkeys it holds for this site and the account follows from the one chosen.
    /// </summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        Content(await signInManager.MakePasskeyRequestOptionsAsync(null), "application/json");

    public async Task<IActionResult> OnPostPasskeyAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var outcome = CredentialJson.Length is > 0 and <= Confide.Identity.Passkeys.PasskeyOptions.MaxCredentialJsonLength
            ? await signInManager.SignInWithPasskeyAsync(CredentialJson)
            : new PasskeySignIn(Microsoft.AspNetCore.Identity.SignInResult.Failed, null);
        if (!outcome.Result.Succeeded || outcome.Account is null)
        {
            if (outcome.Account is { } known)
            {
                var reason = outcome.Result.IsLockedOut ? "locked_out" : outcome.Result.IsNotAllowed ? "not_allowed" : "passkey_refused";
                await SignInActivity.RecordAsync(HttpContext, known.Id, ActivityTypes.AdminLoginFailure, "A passkey sign-in failed.",
                    new JsonObject { ["sign_in_method"] = SignInMethods.Passkey, ["reason"] = reason });
            }

            PasskeyError = PasskeyFailureMessage;
            return Page();
        }

        var passkeyMemberships = await memberships.ForAccountAsync(outcome.Account.Id, HttpContext.RequestAborted);
        if (SignInPolicy.RefusesPasskeySignIn(passkeyMemberships))
        {
            await signInManager.SignOutAsync();
            await SignInActivity.RecordAsync(HttpContext, outcome.Account.Id, ActivityTypes.AdminLoginFailure, "A passkey sign-in was refused: no workspace of the account accepts it.",
                new JsonObject { ["sign_in_method"] = SignInMethods.Passkey, ["reason"] = RefusalReason(passkeyMemberships) });
            PasskeyError = RefusalMessage(passkeyMemberships);
            return Page();
        }

        await SignInActivity.RecordSignInAsync(HttpContext, signInManager, outcome.Account.Id, "Signed in with a passkey.",
            new JsonObject { ["sign_in_method"] = SignInMethods.Passkey });
        return LocalRedirect(SafeReturnUrl(Url, ReturnUrl));
    }

    /// <summary>Why no workspace of the account takes the session: it requires SSO, or it allows other methods only.</summary>
    private static string RefusalReason(IReadOnlyList<Membership> all) => all.Any(m => m.RequireSso) ? "sso_required" : "method_not_allowed";

    private static string RefusalMessage(IReadOnlyList<Membership> all) => all.Any(m => m.RequireSso) ? SsoRequiredMessage : MethodNotAllowedMessage;
}
