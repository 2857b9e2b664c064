using System.Globalization;
using System.Net;
using Confide.Platform;

namespace Confide.Server.Hosting;

internal static class ErrorResponses
{
    /// <summary>
    /// Retry-After of a 503 because the region's database or disk failed: long enough for a
    /// connection pool to reconnect or a PostgreSQL failover to settle a little, short enough
    /// that clients come back soon after the cause is gone. A constant, not a promise.
    /// </summary>
    public const int DatabaseRetryAfterSeconds = 5;

    public static Task WriteAsync(HttpContext context, HttpStatusCode status, string code, string message, int retryAfterSeconds = 1)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers.CacheControl = "no-store";
        if (status == HttpStatusCode.ServiceUnavailable)
        {
            // Only transient refusals get a 503 (a key rotation in progress, the database
            // unavailable): say when to retry.
            context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        return context.Response.WriteAsJsonAsync(IntercomErrorBody.Of(code, message, context.TraceIdentifier));
    }
}
