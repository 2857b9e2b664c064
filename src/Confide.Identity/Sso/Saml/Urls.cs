namespace Confide.Identity.Sso.Saml;

internal static class Urls
{
    /// <summary>Compares a URL from a SAML message with a configured one, as URLs (host case, default port) rather than strings.</summary>
    public static bool Same(string? value, Uri expected) =>
        Uri.TryCreate(value, UriKind.Absolute, out var actual)
        && Uri.Compare(actual, expected, UriComponents.AbsoluteUri, UriFormat.UriEscaped, StringComparison.Ordinal) == 0;
}
