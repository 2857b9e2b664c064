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
/// The signed-in teammate's own sign-in security: turn on two-factor sign-in with an
/// authenticator app (confirmed with a first code, then ten one-time recovery codes shown once),
/// renew recovery codes, or turn it off (each needs a current code); passkeys are in
/// <c>SecurityModel.Passkeys.cs</c>. Each change is recorded in the activity log of every
/// workspace the teammate belongs to in this region.
/// </summary>
public sealed partial class SecurityModel(
    UserManager<TeammateAccount> users, TeammateSignInManager signInManager, CurrentCell cell, TeammateMemberships memberships, TeammateNames names) : PageModel
{
    private const int RecoveryCodeCount = 10;

    [BindProperty]
    public string Code { get; set; } = "";

    [BindProperty]
    public string CurrentPassword { get; set; } = "";

    [BindProperty]
    public string NewPassword { get; set; } = "";

    public bool TwoFactorEnabled { get; private set; }

    /// <summary>An authenticator app or at least one passkey: what a workspace requiring two-factor sign-in asks for.</summary>
    public bool HasStrongFactor => TwoFactorEnabled || Passkeys.Count > 0;

    public int RecoveryCodesLeft { get; private set; }

    /// <summary>Set while setting up: the key to type into the app, and the URI a QR code would carry.</summary>
    public string? SharedKey { get; private set; }

    public string? AuthenticatorUri { get; private set; }

    /// <summary>Shown once, right after they are made.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Set when a workspace sent the teammate here because it requires two-factor sign-in.</summary>
    [BindProperty(SupportsGet = true, Name = "required")]
    public string? RequiredBy { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync() is null)
        {
            return Challenge();
        }

        // Codes and passwords are never kept across step-up: only the notice.
        StepUpNotice = StepUpResumption.Take(this) is null ? null : StepUpResumption.NotAppliedMessage;
        return Page();
    }

    /// <summary>Set when step-up interrupted a change: not applied yet.</summary>
    public string? StepUpNotice { get; private set; }

    /// <summary>
    /// A session signed in through a workspace's identity provider cannot change how the account
    /// signs in: that provider vouches for the teammate in its own workspace only, and a passkey,
    /// authenticator or password it could add would open the account's other workspaces.
    /// </summary>
    public override async Task OnPageHandlerExecutionAsync(Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutingContext context, Microsoft.AspNetCore.Mvc.Filters.PageHandlerExecutionDelegate next)
    {
        // A display name is the workspace's own: any session may change it. Signing the account
        // out everywhere is not: it would let one workspace's identity provider end the person's
        // sessions in every other workspace (and write to their logs).
        if (HttpMethods.IsPost(Request.Method) && SessionClaims.MethodOf(User) == SignInMethods.Sso
            && context.HandlerMethod?.Name != DisplayNameHandler)
        {
            await LoadAsync();
            Error = SsoSessionMessage;
            context.Result = Page();
            return;
        }

        await next();
    }

    public bool IsSsoSession => SessionClaims.MethodOf(User) == SignInMethods.Sso;

    public const string SsoSessionMessage =
        "You signed in through your organisation's identity provider, which looks after how you sign in. To change your password, authenticator app or passkeys here, or to sign out everywhere, sign in with your password or a passkey.";

    /// <summary>Starts (or restarts) setting up: a new key, not yet in force until confirmed with a code.</summary>
    public async Task<IActionResult> OnPostSetupAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        if (TwoFactorEnabled)
        {
            Error = "Two-factor sign-in is already on. Turn it off first to move it to another app.";
            return Page();
        }

        await users.ResetAuthenticatorKeyAsync(account);
        await ShowKeyAsync(account);
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostEnableAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        if (TwoFactorEnabled || !await users.VerifyTwoFactorTokenAsync(account, TwoFactorProviders.Authenticator, Code.Trim()))
        {
            Error = TwoFactorEnabled ? "Two-factor sign-in is already on." : "That code is not valid (or was already used). Check the app's clock and try the next code.";
            await ShowKeyAsync(account);
            return Page();
        }

        await users.SetTwoFactorEnabledAsync(account, true);
        RecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(account, RecoveryCodeCount) ?? []];
        await RecordAsync(account, "Two-factor sign-in was turned on (authenticator app).", before: false, after: true);
        await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.TwoFactorChange);
        await signInManager.RefreshSignInAsync(account);
        await LoadAsync();
        Message = "Two-factor sign-in is on. Store these recovery codes somewhere safe: each works once, and they are not shown again.";
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostRecoveryCodesAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        if (!TwoFactorEnabled || !await users.VerifyTwoFactorTokenAsync(account, TwoFactorProviders.Authenticator, Code.Trim()))
        {
            Error = "A current code from your authenticator app is needed.";
            return Page();
        }

        RecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(account, RecoveryCodeCount) ?? []];
        await RecordAsync(account, "New two-factor recovery codes were made; the old ones no longer work.", before: true, after: true);
        await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.TwoFactorChange);
        await LoadAsync();
        Message = "New recovery codes; the old ones no longer work.";
        return Page();
    }

    /// <summary>Changes the password after checking the current one; Identity's validators (length, common and breached passwords) apply.</summary>
    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostChangePasswordAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var result = await users.ChangePasswordAsync(account, CurrentPassword, NewPassword);
        if (!result.Succeeded)
        {
            Error = string.Join(" ", result.Errors.Select(e => e.Code == "PasswordMismatch" ? "The current password is not right." : e.Description));
            return Page();
        }

        await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminPasswordChange, "The teammate changed their password.", []);
        await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.PasswordChange);
        await signInManager.RefreshSignInAsync(account);
        Message = "Your password was changed. Your other sessions were signed out.";
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostDisableAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        if (!TwoFactorEnabled || !await users.VerifyTwoFactorTokenAsync(account, TwoFactorProviders.Authenticator, Code.Trim()))
        {
            Error = "A current code from your authenticator app is needed.";
            return Page();
        }

        await users.SetTwoFactorEnabledAsync(account, false);
        await users.ResetAuthenticatorKeyAsync(account);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(account, 0);
        await RecordAsync(account, "Two-factor sign-in was turned off.", before: true, after: false);
        await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.TwoFactorChange);
        await signInManager.RefreshSignInAsync(account);
        await LoadAsync();
        Message = "Two-factor sign-in is off.";
        return Page();
    }

    /// <summary>"Sign out everywhere": ends the account's other sessions in this region; this one goes on.</summary>
    public async Task<IActionResult> OnPostSignOutEverywhereAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var ended = await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.SignOutEverywhere);
        Message = ended == 0 ? "You had no other sessions; this one stays signed in." : "Your other sessions were signed out; this one stays signed in.";
        return Page();
    }

    private async Task<TeammateAccount?> LoadAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        var account = await users.GetUserAsync(User);
        if (account is not null)
        {
            TwoFactorEnabled = await users.GetTwoFactorEnabledAsync(account);
            RecoveryCodesLeft = TwoFactorEnabled ? await users.CountRecoveryCodesAsync(account) : 0;
            await LoadPasskeysAsync(account);
            await LoadDisplayNameAsync(account.Id);
        }

        return account;
    }

    private async Task ShowKeyAsync(TeammateAccount account)
    {
        SharedKey = await users.GetAuthenticatorKeyAsync(account);
        var label = Uri.EscapeDataString("Confide:" + account.Email);
        AuthenticatorUri = SharedKey is null ? null : $"otpauth://totp/{label}?secret={SharedKey}&issuer=Confide&digits=6&period=30";
    }

    private Task RecordAsync(TeammateAccount account, string description, bool before, bool after) =>
        SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminTwoFactorAuthChange, description, new JsonObject
        {
            ["method"] = "authenticator_app",
            ["before"] = new JsonObject { ["enabled"] = before },
            ["after"] = new JsonObject { ["enabled"] = after },
        });
}
