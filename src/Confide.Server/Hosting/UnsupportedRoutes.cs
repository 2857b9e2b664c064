namespace Confide.Server.Hosting;

/// <summary>
/// What a request to a path no endpoint serves is told. Under the REST API such a path is an
/// Intercom endpoint Confide does not serve (or a typo): the 404 says so and points to the
/// compatibility table, rather than reading like a missing object. A 404 from an endpoint that
/// exists (an unknown contact id, say) keeps its own message; this is only for unmatched paths.
/// </summary>
internal static class UnsupportedRoutes
{
    public const string TableReference = "docs/api.md, Compatibility with Intercom";

    /// <summary>Intercom's endpoint families Confide does not build, by the first segment of their paths.</summary>
    private static readonly Dictionary<string, string> Families = new(StringComparer.OrdinalIgnoreCase)
    {
        ["articles"] = "Articles",
        ["help_center"] = "Help Center",
        ["news"] = "News",
        ["tickets"] = "Tickets",
        ["ticket_types"] = "Ticket types",
        ["phone_call_redirects"] = "Phone call redirects",
        ["calls"] = "Calls",
        ["custom_object_instances"] = "Custom objects",
        ["ai"] = "AI content",
        ["internal_articles"] = "Internal articles",
    };

    /// <summary>Paths that belong to Confide itself (pages, the messenger, its own API, health): their 404s keep the plain message.</summary>
    private static readonly string[] ConfidePrefixes = ["/app", "/messenger", "/confide", "/.well-known", "/health", "/sso"];

    /// <summary>The message of a 404 for a path no endpoint matched; null when the path is Confide's own.</summary>
    public static string? MessageFor(PathString path)
    {
        if (ConfidePrefixes.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        // Only the family's name from a fixed list is ever repeated, never the requested path.
        var first = path.Value?.TrimStart('/').Split('/', 2)[0] ?? "";
        return Families.TryGetValue(first, out var family)
            ? $"Intercom's {family} endpoints are not supported by Confide; see the compatibility table ({TableReference})"
            : $"This endpoint is not supported by Confide; see the compatibility table for what is ({TableReference})";
    }
}
