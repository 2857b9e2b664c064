using System.Security.Claims;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data.Model;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

public sealed class LogoutModel(SignInManager<TeammateAccount> signInManager) : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/app/inbox");

    public async Task<IActionResult> OnPostAsync()
    {
        if (User.FindFirstValue(ClaimTypes.NameIdentifier) is { } accountId)
        {
            await SignInActivity.RecordAsync(HttpContext, accountId, ActivityTypes.AdminLogout, "Signed out.", []);
        }

        await signInManager.SignOutAsync();
        // The browser forgets what this origin stored in it, reply drafts included (js/reply-drafts.js).
        Response.Headers["Clear-Site-Data"] = "\"storage\"";
        return LocalRedirect("/app/login");
    }
}
