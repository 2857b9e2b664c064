using Confide.Data;
using Confide.Identity.Passkeys;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Confide.Server.Hosting;

/// <summary>
/// Which origins a passkey ceremony may come from: the regional endpoint the request came to,
/// and nothing else. In the embedded mode the regions are different ports of <c>localhost</c>,
/// so they share the RP id (and a passkey works at each), but each is its own origin: a
/// ceremony started on one region's page cannot be completed at another's endpoint. Identity's
/// default compares with the request's <c>Origin</c> header, which a non-browser client sets at will.
/// </summary>
internal static class PasskeyOrigins
{
    public static ValueTask<bool> ValidateAsync(PasskeyOriginValidationContext context) =>
        ValueTask.FromResult(IsExpected(context));

    private static bool IsExpected(PasskeyOriginValidationContext context)
    {
        var http = context.HttpContext;
        var cell = http.RequestServices.GetRequiredService<CurrentCell>();
        if (context.CrossOrigin || string.IsNullOrEmpty(context.Origin) || !cell.IsResolved)
        {
            return false;
        }

        // The region's public URL (Confide:Regions:<region>:PublicUrl, by default https://localhost:<port>).
        var endpoints = http.RequestServices.GetRequiredService<RegionalEndpoints>();
        if (SameOrigin(context.Origin, endpoints.PublicUrl(cell.Region)))
        {
            return true;
        }

        // Without a configured RP id the server trusts the host it was reached by (that is the
        // RP id too), so the page's own origin is the one it was served from.
        var configured = http.RequestServices.GetRequiredService<IOptions<PasskeyOptions>>().Value.ServerDomain;
        return configured is null && SameOrigin(context.Origin, $"{http.Request.Scheme}://{http.Request.Host}");
    }

    private static bool SameOrigin(string origin, string expected) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var a) && Uri.TryCreate(expected, UriKind.Absolute, out var b)
        && Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
