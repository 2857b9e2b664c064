using Confide.Data;
using Confide.Messaging.Messenger;
using Confide.Messaging.Messenger.Settings;

namespace Confide.Server.Hosting.Messenger;

/// <summary>
/// The page inside the messenger's iframe. It is the one response Confide lets another site
/// frame, and only the sites the workspace lists (<c>frame-ancestors</c>); with none listed it
/// can be framed nowhere. Scripts and styles come from this origin only.
/// </summary>
internal static class MessengerFrame
{
    private const string Html = """
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
        <main id="messenger" aria-live="polite">
        <p class="status" id="status">Loading…</p>
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
        var ancestors = string.IsNullOrWhiteSpace(origins) ? "'none'" : origins;
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}";
        headers.CacheControl = "no-store";
        // The embedding page learns nothing of the messenger's URLs beyond its origin.
        headers["Referrer-Policy"] = "strict-origin";
        return TypedResults.Content(Html, "text/html; charset=utf-8");
    }
}
