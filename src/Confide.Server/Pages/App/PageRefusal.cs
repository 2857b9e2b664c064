using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App;

/// <summary>
/// Why a teammate page answered 403, carried (as a request feature) to the error page that the
/// status code pages render inside the app's layout. Only text the server wrote: never request
/// content or personal data.
/// </summary>
public sealed record PageRefusal(string Message, string? LinkPath = null, string? LinkText = null)
{
    /// <summary>A bodiless 403 whose error page explains <paramref name="refusal"/>.</summary>
    public static IActionResult Forbidden(HttpContext http, PageRefusal refusal)
    {
        http.Features.Set(refusal);
        return new StatusCodeResult(StatusCodes.Status403Forbidden);
    }
}
