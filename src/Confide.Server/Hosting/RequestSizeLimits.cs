using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Confide.Server.Hosting;

/// <summary>
/// The request line and header limits, enforced here so that a refusal carries the Intercom
/// error body. Kestrel refuses an over-long request line (414) or header block (431) itself,
/// while parsing and before any middleware runs, with an empty body and no hook to add one; so
/// Kestrel's own limits are set to twice these, and a request between the two is answered here.
/// Beyond Kestrel's limits, and for a request line or header that does not parse (400), the
/// answer stays Kestrel's, without a body (docs/api.md).
/// </summary>
internal sealed class RequestSizeLimits(RequestDelegate next)
{
    public const int MaxRequestLineBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Kestrel's own limits: the hard ceiling, past which its bodiless answer is all there is.</summary>
    public static void ConfigureKestrel(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = 2 * MaxRequestLineBytes;
        limits.MaxRequestHeadersTotalSize = 2 * MaxHeaderBytes;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value + request.QueryString.Value;
        // Counted as Kestrel counts them: "METHOD target HTTP/1.1\r\n" and "name: value\r\n" per header.
        var lineBytes = request.Method.Length + 1 + target.Length + 1 + request.Protocol.Length + 2;
        if (lineBytes > MaxRequestLineBytes)
        {
            return ErrorResponses.WriteAsync(context, HttpStatusCode.RequestUriTooLong, "uri_too_long", $"The request line is longer than {MaxRequestLineBytes} bytes");
        }

        var headerBytes = 0L;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headerBytes += name.Length + 2 + (value?.Length ?? 0) + 2;
            }
        }

        return headerBytes > MaxHeaderBytes
            ? ErrorResponses.WriteAsync(context, HttpStatusCode.RequestHeaderFieldsTooLarge, "request_headers_too_large", $"The request headers are larger than {MaxHeaderBytes} bytes")
            : next(context);
    }
}
