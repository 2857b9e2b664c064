using System.Text.Encodings.Web;
using Confide.Data;
using Confide.Messaging.Messenger;
using Confide.Messaging.Messenger.Settings;

namespace Confide.Server.Hosting.Messenger;

/// <summary>
/// The page inside the messenger's iframe. It is the one response Confide lets another site
/// frame, and only the sites the workspace lists (<c>frame-ancestors</c>); with none listed it
/// can be framed nowhere. Scripts and styles come from this origin only. A site that is not
/// listed gets a page saying so instead of a frame the browser refuses.
/// </summary>
internal static class MessengerFrame
{
    private const string Head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Messenger</title>
        <link rel="stylesheet" href="/messenger/frame.css">
        <script src="/messenger/frame.js" defer></script>
        </head>
        <body>

        """;

    private const string Html = Head + """
        <main id="messenger" aria-live="polite">
        <p class="status" id="status">Loading…</p>
        </main>
        </body>
        </html>
        """;

    private const string NotAllowedHtml = Head + """
        <main id="messenger" data-state="origin-not-allowed" data-origin="{origin}">
        <p class="status" id="status" role="alert">Messages are not available on this website yet.</p>
        <p class="status">Its address ({origin}) is not among the sites this messenger may be shown on: an administrator can add it in Confide under Settings → Messenger.</p>
        </main>
        </body>
        </html>
        """;

    public static void MapMessengerFrame(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/messenger/v1/frame", ServeAsync).AllowAnonymous().ExcludeFromDescription();

    private static async Task<IResult> ServeAsync(HttpContext http, CurrentCell cell, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "app_id")] string? appId, CancellationToken ct)
    {
        var workspaceId = await MessengerApps.RequireAsync(cell.Database, appId, ct);
        var origins = (await MessengerSettingsCommands.FindAsync(cell.Database, workspaceId, ct))?.AllowedOrigins;
        // The embedding page's origin, from the Referer the widget asks for (referrerpolicy="origin").
        var embedder = MessengerOrigins.OfPage(http.Request.Headers.Referer);
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        // The embedding page learns nothing of the messenger's URLs beyond its origin.
        headers["Referrer-Policy"] = "strict-origin";
        if (embedder is not null && !MessengerOrigins.Parse(origins).Contains(embedder, StringComparer.Ordinal))
        {
            // The browser would refuse the frame (frame-ancestors) and show a broken one. Say why
            // instead, on a page that holds nothing but that text and so may be framed anywhere.
            headers.ContentSecurityPolicy = Policy("*");
            return TypedResults.Content(NotAllowedHtml.Replace("{origin}", HtmlEncoder.Default.Encode(embedder), StringComparison.Ordinal), "text/html; charset=utf-8");
        }

        // The list, whatever the Referer said: the browser enforces it on the real messenger.
        headers.ContentSecurityPolicy = Policy(string.IsNullOrWhiteSpace(origins) ? "'none'" : origins);
        return TypedResults.Content(Html, "text/html; charset=utf-8");
    }

    private static string Policy(string ancestors) =>
        $"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}";
}
