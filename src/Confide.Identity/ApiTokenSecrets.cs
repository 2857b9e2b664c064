using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Confide.Platform;

namespace Confide.Identity;

/// <summary>
/// API token text and its stored form. A token reads <c>cfd_eu_&lt;43 chars&gt;</c>: the region
/// in clear (so a wrong endpoint can answer 421 without a lookup) and 256 random bits. Only
/// <c>sha256:&lt;hex&gt;</c> of the whole text is stored: the secret has full entropy, so a fast
/// hash is enough and lookups stay a single indexed equality.
/// </summary>
public static class ApiTokenSecrets
{
    private const string Prefix = "cfd_";
    private const string HashMarker = "sha256:";
    private const int SecretBytes = 32;
    private const int SecretChars = 43;

    public static string Generate(Region region) =>
        $"{Prefix}{region.Code}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes))}";

    public static string Hash(string token) =>
        HashMarker + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>True when <paramref name="token"/> has the token shape; gives the region it names.</summary>
    public static bool TryParseRegion(string token, [NotNullWhen(true)] out Region? region)
    {
        region = null;
        return token.Length == Prefix.Length + 3 + SecretChars
            && token.StartsWith(Prefix, StringComparison.Ordinal)
            && token[Prefix.Length + 2] == '_'
            && Region.TryParse(token.Substring(Prefix.Length, 2), out region);
    }
}
