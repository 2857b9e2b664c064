using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

public sealed class LogoutModel(SignInManager<TeammateAccount> signInManager) : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/app/inbox");

    public async Task<IActionResult> OnPostAsync()
    {
        await signInManager.SignOutAsync();
        return LocalRedirect("/app/login");
    }
}
