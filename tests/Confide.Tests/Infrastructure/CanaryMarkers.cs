using System.Text;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// Unique marker strings, one per named field, and every encoding in which a leak of one
/// could sit in a file: UTF-8, UTF-16 (both byte orders), hex (how PostgreSQL dumps bytea),
/// base64 and base64url at each of the three alignments, and lower/upper case.
/// </summary>
internal sealed class CanaryMarkers
{
    private readonly Dictionary<string, string> _markers = new(StringComparer.Ordinal);

    public string this[string field]
    {
        get
        {
            if (!_markers.TryGetValue(field, out var marker))
            {
                marker = $"canary{Guid.NewGuid():N}"[..30];
                _markers[field] = marker;
            }

            return marker;
        }
    }

    public IReadOnlyDictionary<string, string> All => _markers;

    public static IEnumerable<(string Name, byte[] Bytes)> Encodings(string marker)
    {
        var utf8 = Encoding.UTF8.GetBytes(marker);
        yield return ("UTF-8", utf8);
        yield return ("UTF-8 upper case", Encoding.UTF8.GetBytes(marker.ToUpperInvariant()));
        yield return ("UTF-16LE", Encoding.Unicode.GetBytes(marker));
        yield return ("UTF-16BE", Encoding.BigEndianUnicode.GetBytes(marker));
        yield return ("hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(utf8)));
        yield return ("HEX", Encoding.ASCII.GetBytes(Convert.ToHexString(utf8)));
        for (var offset = 0; offset < 3; offset++)
        {
            // Base64 of the marker preceded by 0–2 other bytes: the characters that depend
            // only on the marker are the ones after the first and before the last 4-character group.
            var shifted = new byte[offset + utf8.Length];
            utf8.CopyTo(shifted, offset);
            var base64 = Convert.ToBase64String(shifted);
            var stable = base64[4..^4];
            yield return ($"base64+{offset}", Encoding.ASCII.GetBytes(stable));
            yield return ($"base64url+{offset}", Encoding.ASCII.GetBytes(stable.Replace('+', '-').Replace('/', '_')));
        }
    }
}
