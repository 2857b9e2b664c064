using Microsoft.AspNetCore.Mvc.Filters;

namespace Confide.Server.Hosting;

/// <summary>
/// Headers on every teammate page: scripts, styles and requests only from this origin, never
/// inline script or <c>eval</c> (<c>js/passkeys.js</c> drives the browser's WebAuthn API for
/// passkeys, <c>js/inbox.js</c> makes the inbox live; every page works without JavaScript), no framing, and no
/// caching of pages that show message content.
/// </summary>
internal sealed class AppResponseHeaders : IPageFilter
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // The value antiforgery sets on any page with a form; setting it here too keeps it quiet.
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
    }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }
}
