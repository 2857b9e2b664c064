using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Html;

namespace Confide.Server.Rendering;

/// <summary>
/// Untrusted message text as HTML: every character encoded, and each http(s) URL in it made a
/// link that opens apart from the inbox (no opener, no referrer, no ranking credit). Only what
/// the URL pattern matches becomes a link, so <c>javascript:</c>, <c>data:</c> and every other
/// scheme stay text. Line breaks stay characters: the page shows them with <c>white-space: pre-wrap</c>.
/// </summary>
public sealed partial class LinkedText(string? text) : IHtmlContent
{
    /// <summary>Punctuation that usually ends the sentence around a URL rather than the URL itself.</summary>
    private const string TrailingPunctuation = ".,;:!?)]}'\"";

    public static LinkedText From(string? text) => new(text);

    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(encoder);
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        var written = 0;
        foreach (var match in UrlPattern().EnumerateMatches(text))
        {
            var url = text.AsSpan(match.Index, match.Length).TrimEnd(TrailingPunctuation).ToString();
            if (!IsWebAddress(url))
            {
                continue;
            }

            encoder.Encode(writer, text, written, match.Index - written);
            writer.Write("<a href=\"");
            encoder.Encode(writer, url);
            writer.Write("\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">");
            encoder.Encode(writer, url);
            writer.Write("</a>");
            written = match.Index + url.Length;
        }

        encoder.Encode(writer, text, written, text.Length - written);
    }

    /// <summary>An absolute http or https URL with a host: nothing else is ever a link.</summary>
    private static bool IsWebAddress(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.Host.Length > 0;

    // Ends at whitespace, quotes and angle brackets, which cannot be part of a URL written in text.
    [GeneratedRegex(@"\bhttps?://[^\s<>""'`]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UrlPattern();
}
