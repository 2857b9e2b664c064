using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Confide.Server.Hosting.RateLimiting;

/// <summary>
/// The 429 answer: <c>Retry-After</c> in whole seconds, the Intercom error body for the API and
/// a plain text line for the web app.
/// </summary>
internal static class RateLimitRejection
{
    public static async ValueTask WriteAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitOptions>>().Value;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : options.WindowSeconds;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        if (http.Request.Path.StartsWithSegments("/app"))
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.CacheControl = "no-store";
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"Too many requests. Try again in {retryAfter} seconds.", cancellationToken);
            return;
        }

        await ErrorResponses.WriteAsync(http, HttpStatusCode.TooManyRequests, "rate_limit_exceeded", $"Too many requests; retry after {retryAfter} seconds");
    }
}
