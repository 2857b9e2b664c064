using System.Net;
using Confide.Identity.Authorization;
using Confide.Platform;

namespace Confide.Server.Hosting;

/// <summary>
/// The <c>Intercom-Version</c> values Confide answers for. For the endpoints Confide serves,
/// Intercom's published descriptions of 2.9 to 2.14 differ from 2.11 only by members Confide
/// does not serve (AI agent, linked objects, SLA and e-mail metadata, team assignment limits),
/// so one set of shapes answers them all; 2.14 is what the official Node SDK 7.x sends unless
/// told otherwise. Older versions (1.x, 2.0–2.8) and the moving <c>Unstable</c>/<c>Preview</c>
/// are refused rather than answered in shapes they did not have. docs/api.md#versions.
/// </summary>
public static class IntercomVersions
{
    public const string HeaderName = "Intercom-Version";

    /// <summary>What a request without the header gets.</summary>
    public const string Default = "2.11";

    public static IReadOnlyList<string> Accepted { get; } = ["2.9", "2.10", "2.11", "2.12", "2.13", "2.14"];

    /// <summary>The error of a request naming a version Confide does not answer for, or null when it is one (or absent).</summary>
    public static ConfideError? Refusal(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count == 0)
        {
            return null;
        }

        // Two headers, or one that is not on the list (compared exactly, as Intercom does, after trimming spaces).
        if (header.Count == 1 && header[0] is { } value && Accepted.Contains(value.Trim(), StringComparer.Ordinal))
        {
            return null;
        }

        return new ConfideError(HttpStatusCode.BadRequest, "intercom_version_invalid",
            $"The requested Intercom-Version is not served by Confide: send one of {string.Join(", ", Accepted)}, or none for {Default} (see docs/api.md, Versions)");
    }
}

/// <summary>
/// Refuses an API request whose <c>Intercom-Version</c> Confide does not answer for, before the
/// endpoint runs (so nothing is written). Runs after authentication: a caller without a valid
/// token learns nothing, not even which versions are served. Pages, the messenger and anonymous
/// routes are not versioned and are left alone.
/// </summary>
internal sealed class IntercomVersionMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<PermissionMetadata>() is not null
            && IntercomVersions.Refusal(context.Request.Headers[IntercomVersions.HeaderName]) is { } refusal)
        {
            throw new ConfideException(refusal);
        }

        return next(context);
    }
}
