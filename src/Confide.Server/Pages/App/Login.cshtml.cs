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
    SignInManager<TeammateAccount> signInManager,
    UserManager<TeammateAccount> users,
    IPasswordHasher<TeammateAccount> hasher,
    CurrentCell cell) : PageModel
{
    // One message for every failure: it must not reveal whether an account exists or is locked.
    private const string FailureMessage = "The email or password is incorrect, or the account is temporarily locked.";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet() => ViewData["Region"] = cell.Region.Code;

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

        var result = await signInManager.CheckPasswordSignInAsync(account, Password, lockoutOnFailure: true);
        if (!result.Succeeded)
        {
            var reason = result.IsLockedOut ? "locked_out" : result.IsNotAllowed ? "not_allowed" : "wrong_password";
            await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminLoginFailure, "A password sign-in failed.",
                new JsonObject { ["sign_in_method"] = "password", ["reason"] = reason });
            Error = FailureMessage;
            return Page();
        }

        await SignInActivity.RecordAsync(HttpContext, account.Id, ActivityTypes.AdminLoginSuccess, "Signed in with a password.",
            new JsonObject { ["sign_in_method"] = "password" });
        await signInManager.SignInWithClaimsAsync(account, isPersistent: false, [new Claim(TeammateMemberships.RegionClaim, cell.Region.Code)]);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && ReturnUrl.StartsWith("/app/", StringComparison.Ordinal) ? ReturnUrl : "/app/inbox");
    }
}
