using System.Globalization;
using System.Text;
using Confide.Platform;

namespace Confide.Identity;

/// <summary>
/// The name a teammate is shown by, to customers in the messenger and to colleagues in the
/// inbox. It is what the teammate (or whoever added them) chose: never derived from the email
/// (whose local part may be a role, "owner", or private) and never the role.
/// </summary>
public static class TeammateDisplayNames
{
    public const int MaxLength = 64;

    /// <summary>What customers see for a teammate without a name.</summary>
    public const string CustomerFallback = "Support";

    /// <summary>
    /// The name, trimmed, or null for none (absent or blank). Refuses control and format
    /// characters (line breaks, bidirectional overrides that could make a name read as another)
    /// and names over <see cref="MaxLength"/> characters.
    /// </summary>
    public static string? Parse(string? name, string field = "name") =>
        TryParse(name, out var parsed) ? parsed : throw new ConfideException(ConfideError.ParameterInvalid(
            $"{field} must be at most {MaxLength} characters, without control or formatting characters"));

    /// <summary>Like <see cref="Parse"/>, but false for a name that is not acceptable (e.g. one an identity provider sent).</summary>
    public static bool TryParse(string? name, out string? parsed)
    {
        parsed = null;
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return true;
        }

        if (new StringInfo(trimmed).LengthInTextElements > MaxLength || trimmed.Length > MaxLength * 4)
        {
            return false;
        }

        foreach (var rune in trimmed.EnumerateRunes())
        {
            // Zero-width (non-)joiners are format characters that Persian and Indic scripts and emoji sequences need.
            if (rune.Value is 0x200C or 0x200D)
            {
                continue;
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned)
            {
                return false;
            }
        }

        parsed = trimmed;
        return true;
    }

    /// <summary>The stored name, or the fallback when there is none.</summary>
    public static string OrFallback(string storedName, string fallback) =>
        string.IsNullOrWhiteSpace(storedName) ? fallback : storedName;
}
