using System.Net;
using Confide.Platform;

namespace Confide.Server.Hosting;

internal static class ErrorResponses
{
    public static Task WriteAsync(HttpContext context, HttpStatusCode status, string code, string message)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers.CacheControl = "no-store";
        if (status == HttpStatusCode.ServiceUnavailable)
        {
            // Only transient refusals get a 503 (e.g. a key rotation in progress): say when to retry.
            context.Response.Headers.RetryAfter = "1";
        }

        return context.Response.WriteAsJsonAsync(IntercomErrorBody.Of(code, message, context.TraceIdentifier));
    }
}
