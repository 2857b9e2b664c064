using Microsoft.AspNetCore.Diagnostics;
using System.Net;

namespace Confide.Server.Hosting;

/// <summary>
/// Gives bodiless error statuses (unknown route, wrong method, missing token) a body: the
/// Intercom error body for the API, the error page inside the app's layout for teammate pages.
/// </summary>
internal static class StatusCodePages
{
    public static IApplicationBuilder UseConfideStatusCodePages(this IApplicationBuilder app)
    {
        app.UseStatusCodePages(WriteIntercomErrorAsync);
        // Inside the one above, so it answers first: a teammate page's request runs again as
        // Pages/App/Error (which keeps the status), so a 403 or 404 reads like the rest of the app.
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/app"),
            branch => branch.UseStatusCodePagesWithReExecute("/app/error/{0}"));
        return app;
    }

    public static Task WriteIntercomErrorAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (http.Request.Path.StartsWithSegments("/app"))
        {
            return Task.CompletedTask; // answered by the error page (above)
        }

        var (code, message) = http.Response.StatusCode switch
        {
            401 => ("unauthorized", "Access Token Invalid"),
            403 when http.User.HasClaim(Identity.ApiTokenAuthenticationHandler.IpNotAllowedClaim, "true") =>
                ("ip_not_allowed", "This workspace only accepts requests from the addresses on its IP allowlist"),
            403 when http.User.HasClaim(Identity.ApiTokenAuthenticationHandler.TwoFactorRequiredClaim, "true") =>
                ("two_factor_required", "This workspace requires two-factor sign-in: turn it on in the web app (Security) before using the API"),
            403 => ("forbidden", "The token is not allowed to perform this action"),
            // No endpoint matched: an Intercom endpoint Confide does not serve, said as such.
            404 when http.GetEndpoint() is null && UnsupportedRoutes.MessageFor(http.Request.Path) is { } unsupported => ("not_found", unsupported),
            404 => ("not_found", "Resource Not Found"),
            405 => ("method_not_allowed", "The method is not allowed for this resource"),
            413 => ("request_too_large", "The request body is larger than the limit"),
            415 => ("unsupported_media_type", "Send the request body as application/json"),
            _ => ("error", "The request could not be processed"),
        };
        return ErrorResponses.WriteAsync(http, (HttpStatusCode)http.Response.StatusCode, code, message);
    }
}
