using System.Globalization;

namespace Confide.Messaging.Search;

/// <summary>
/// How an encrypted value becomes search grams (ADR 0015). A value is normalised (lower-cased
/// with the invariant culture, trimmed), then framed by a start and an end sentinel;
/// its grams are every three consecutive characters of the framed value plus the two characters
/// at each end, and one token stands for the whole value. Characters are Unicode scalar values,
/// so a surrogate pair is one character. Matching is on normalised text: case-insensitive.
/// </summary>
internal static class SearchText
{
    /// <summary>Grams (the <c>g</c> tokens) and whole values (the <c>x</c> tokens) are hashed apart.</summary>
    public const char GramKind = 'g';
    public const char ExactKind = 'x';

    /// <summary>
    /// One token every indexed contact has (the same for all of a workspace's contacts, so it says
    /// nothing of any): it marks the contact as indexed, even when none of its values gives a token.
    /// A conversation's custom attributes have it too, once indexed.
    /// </summary>
    public const char MarkerKind = 'm';

    /// <summary>The shortest text <c>~</c> accepts: one gram.</summary>
    public const int MinContains = 3;

    /// <summary>How much of a message (a conversation's opening body) is indexed, and so can be found: its first characters.</summary>
    public const int MaxIndexedLength = 4_096;

    /// <summary>How much of a short value (a name, an email, a subject, a custom attribute) is indexed.</summary>
    public const int MaxIndexedShortLength = 255;

    private const string Start = "\u0002";
    private const string End = "\u0003";

    /// <summary>
    /// Lower case (invariant culture, full Unicode case mapping) and trimmed. No Unicode
    /// normalisation form: the process runs with invariant globalization, where it would be a
    /// no-op, and tokens must not change if that setting ever does.
    /// </summary>
    public static string Normalize(string value) => value.ToLowerInvariant().Trim();

    /// <summary>
    /// Every gram stored for a normalised value, without duplicates. Only the first
    /// <paramref name="maxLength"/> characters are indexed; a longer value has no end grams, so
    /// it is never a candidate for <c>$</c>.
    /// </summary>
    public static IEnumerable<string> Grams(string normalized, int maxLength)
    {
        if (normalized.Length == 0)
        {
            return [];
        }

        var chars = Chars(normalized);
        var cut = chars.Count > maxLength;
        var framed = new List<string>(Math.Min(chars.Count, maxLength) + 2) { Start };
        framed.AddRange(cut ? chars.Take(maxLength) : chars);
        if (!cut)
        {
            framed.Add(End);
        }

        var grams = Windows(framed);
        grams.Add(framed[0] + framed[1]);
        if (!cut)
        {
            grams.Add(framed[^2] + framed[^1]);
        }

        return grams;
    }

    /// <summary>Whether a normalised value matches a normalised text under an operator, as the grams promise (no more, no less).</summary>
    public static bool Matches(string normalized, string op, string text, int maxLength) => op switch
    {
        "~" or "!~" => Prefix(normalized, maxLength).Contains(text, StringComparison.Ordinal),
        "^" => Prefix(normalized, maxLength).StartsWith(text, StringComparison.Ordinal),
        "$" => Length(normalized) <= maxLength && normalized.EndsWith(text, StringComparison.Ordinal),
        _ => normalized == text,
    };

    /// <summary>The indexed part of a normalised value: its first <paramref name="maxLength"/> characters.</summary>
    private static string Prefix(string normalized, int maxLength) =>
        normalized.Length <= maxLength ? normalized : string.Concat(Chars(normalized).Take(maxLength));

    /// <summary>The grams every value containing <paramref name="text"/> (normalised, at least three characters) has.</summary>
    public static IReadOnlyCollection<string> ContainsGrams(string text) => Windows(Chars(text));

    /// <summary>The grams every value starting with <paramref name="text"/> (normalised, not empty) has.</summary>
    public static IReadOnlyCollection<string> StartsWithGrams(string text)
    {
        var chars = Chars(Start + text);
        return chars.Count == 2 ? [chars[0] + chars[1]] : Windows(chars);
    }

    /// <summary>The grams every value ending with <paramref name="text"/> (normalised, not empty) has.</summary>
    public static IReadOnlyCollection<string> EndsWithGrams(string text)
    {
        var chars = Chars(text + End);
        return chars.Count == 2 ? [chars[0] + chars[1]] : Windows(chars);
    }

    /// <summary>The number of characters (scalar values) of a text.</summary>
    public static int Length(string text) => Chars(text).Count;

    private static HashSet<string> Windows(List<string> chars)
    {
        var grams = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 3 <= chars.Count; i++)
        {
            grams.Add(chars[i] + chars[i + 1] + chars[i + 2]);
        }

        return grams;
    }

    private static List<string> Chars(string text)
    {
        var chars = new List<string>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            chars.Add(rune.ToString());
        }

        return chars;
    }

    /// <summary>A number as its exact token names it: the shortest invariant form of its decimal value.</summary>
    public static string? CanonicalNumber(string raw) =>
        decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number.ToString("G29", CultureInfo.InvariantCulture)
            : null;
}
