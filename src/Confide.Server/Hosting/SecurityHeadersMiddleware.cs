namespace Confide.Server.Hosting;

/// <summary>
/// Headers on every response, whatever answers it (API, page, static file, or an error from the
/// edge: 404, 405, 413, 429, 500): no content sniffing, no referrer beyond this origin, a policy
/// that lets nothing load or frame the response unless a page set its own
/// (<see cref="AppResponseHeaders"/>), and no caching of JSON, which carries workspace data or errors.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            var headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (string.IsNullOrEmpty(headers["Referrer-Policy"]))
            {
                headers["Referrer-Policy"] = "same-origin";
            }

            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = ApiContentSecurityPolicy;
            }

            if (string.IsNullOrEmpty(headers.CacheControl) && response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
