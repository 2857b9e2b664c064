using System.Globalization;
using System.Text.RegularExpressions;

namespace Confide.Identity.Sso;

/// <summary>A connection's allowed email domains: stored space-separated and lower-case; empty allows any domain.</summary>
public static partial class SsoEmailDomains
{
    public const int MaxCount = 50;

    public static IReadOnlyList<string> Parse(string stored) =>
        stored.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Format(IEnumerable<string> domains) => string.Join(' ', domains);

    /// <summary>Whether <paramref name="email"/>'s domain is exactly one of the allowed ones (a subdomain is not).</summary>
    public static bool Allows(string stored, string email)
    {
        var domains = Parse(stored);
        return domains.Count == 0 || (DomainOf(email) is { } domain && domains.Contains(domain, StringComparer.Ordinal));
    }

    public static string? DomainOf(string email)
    {
        var at = email.LastIndexOf('@');
        return at > 0 && at < email.Length - 1 ? email[(at + 1)..].Trim().ToLowerInvariant() : null;
    }

    /// <summary>Lower-cased, de-duplicated; null with the first bad entry when one is not a domain name.</summary>
    public static (IReadOnlyList<string>? Domains, string? Invalid) Normalise(IEnumerable<string?> input)
    {
        var domains = new List<string>();
        foreach (var entry in input)
        {
            var domain = entry?.Trim().TrimEnd('.').ToLower(CultureInfo.InvariantCulture) ?? "";
            if (domain.Length > 253 || !DomainName().IsMatch(domain))
            {
                return (null, entry ?? "null");
            }

            if (!domains.Contains(domain, StringComparer.Ordinal))
            {
                domains.Add(domain);
            }
        }

        return (domains, null);
    }

    /// <summary>At least two labels of letters, digits and inner hyphens (IDNs in their xn-- form).</summary>
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DomainName();
}
