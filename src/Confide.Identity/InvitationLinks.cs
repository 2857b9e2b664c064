using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Confide.Platform;

namespace Confide.Identity;

/// <summary>
/// The secret links invitations are mailed with. Only the SHA-256 of the secret is stored: a copy
/// of the database opens no invitation. The secret is 256 random bits, so a plain hash suffices.
/// </summary>
public static class InvitationLinks
{
    /// <summary>The path of the page a link opens (<c>/app/join/{token}</c>).</summary>
    public const string PathPrefix = "/app/join/";

    public static (string Token, string Hash) New()
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    /// <summary>The stored form of <paramref name="token"/>; any string hashes, so a made-up token simply matches nothing.</summary>
    public static string Hash(string token) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string Url(ConfideOptions options, Region region, string token) => options.PublicUrl(region) + PathPrefix + token;
}
