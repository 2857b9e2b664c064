using System.Reflection;

namespace Confide.Identity.Passwords;

/// <summary>
/// Refuses passwords attackers try first (NIST SP 800-63B 5.1.1.2): the 30,000 most common
/// passwords of the zxcvbn-ts list (MIT; common-passwords.LICENSE.txt), also when only dressed
/// up with trailing or leading digits and symbols or repeated, and passwords built on the
/// account's own email address.
/// </summary>
public static class CommonPasswords
{
    private static readonly Lazy<HashSet<string>> List = new(Load);

    /// <summary>Why <paramref name="password"/> is refused, or null when it may be used.</summary>
    public static string? Problem(string password, string? email)
    {
        var lower = password.ToLowerInvariant();
        foreach (var candidate in Candidates(lower))
        {
            if (candidate.Length >= 4 && List.Value.Contains(candidate))
            {
                return "This password is too common: it is on the list of passwords attackers try first.";
            }
        }

        var local = email?.Split('@')[0].ToLowerInvariant();
        return local is { Length: >= 4 } && lower.Contains(local, StringComparison.Ordinal)
            ? "The password must not contain your email address."
            : null;
    }

    /// <summary>The password, without decoration at either end, and the unit of a repetition ("abcabc" -> "abc").</summary>
    private static IEnumerable<string> Candidates(string lower)
    {
        yield return lower;
        var core = lower.Trim("0123456789!@#$%^&*()-_=+.,?~ ".ToCharArray());
        yield return core;
        yield return lower.TrimEnd("0123456789!@#$%^&*()-_=+.,?~ ".ToCharArray());
        yield return lower.TrimStart("0123456789!@#$%^&*()-_=+.,?~ ".ToCharArray());
        for (var unit = 1; unit <= core.Length / 2; unit++)
        {
            if (core.Length % unit == 0 && string.Concat(Enumerable.Repeat(core[..unit], core.Length / unit)) == core)
            {
                yield return core[..unit];
                break;
            }
        }
    }

    private static HashSet<string> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Confide.Identity.Passwords.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the build.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                set.Add(line);
            }
        }

        return set;
    }
}
