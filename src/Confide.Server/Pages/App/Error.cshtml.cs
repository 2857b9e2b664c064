using Confide.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App;

/// <summary>
/// The page a bodiless error status of a teammate page becomes (the status code pages run the
/// request again here, keeping its status): 404 and 403 inside the app's layout, with the
/// reason a page gave (<see cref="PageRefusal"/>) and a way back. Anyone may see it: an unknown
/// address is a 404 whether or not one is signed in.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class ErrorPageModel(CurrentCell cell) : PageModel
{
    public int Status { get; private set; }

    public string Title { get; private set; } = "";

    public string Message { get; private set; } = "";

    public PageRefusal? Refusal { get; private set; }

    public IActionResult OnGet(int code) => Show(code);

    // The error of a POST runs again as a POST.
    public IActionResult OnPost(int code) => Show(code);

    private PageResult Show(int code)
    {
        ViewData["Region"] = cell.Region.Code;
        // Run again by the status code pages: the original status stands. Asked for directly: 403 or 404.
        Status = HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null ? Response.StatusCode
            : code == StatusCodes.Status403Forbidden ? code : StatusCodes.Status404NotFound;
        Response.StatusCode = Status;
        Response.Headers.CacheControl = "no-store";
        Refusal = HttpContext.Features.Get<PageRefusal>();
        (Title, Message) = Status switch
        {
            StatusCodes.Status404NotFound => ("Page not found", "There is no page at this address, or it belongs to a workspace you are not a member of."),
            StatusCodes.Status403Forbidden => ("Not allowed", Refusal?.Message ?? "Your role in this workspace does not allow this page."),
            StatusCodes.Status405MethodNotAllowed => ("Not allowed", "This page cannot be used that way."),
            _ => ("Request not completed", "Confide could not complete this request. Go back and try again."),
        };
        return Page();
    }
}
