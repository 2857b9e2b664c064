using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Confide.Tests.Messenger;

/// <summary>
/// Identity tokens as a customer's back end would make them, built by hand (no token library)
/// so the tests also pin down the wire format docs/messenger.md describes.
/// </summary>
internal static class IdentityTokens
{
    public static Dictionary<string, object?> Claims(string audience, string userId, DateTimeOffset issuedAt, TimeSpan lifetime, string? email = null, string? name = null)
    {
        var claims = new Dictionary<string, object?>
        {
            ["aud"] = audience,
            ["user_id"] = userId,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = (issuedAt + lifetime).ToUnixTimeSeconds(),
        };
        if (email is not null)
        {
            claims["email"] = email;
        }

        if (name is not null)
        {
            claims["name"] = name;
        }

        return claims;
    }

    public static string Hs256(string secret, Dictionary<string, object?> claims) => Hs256(Encoding.UTF8.GetBytes(secret), claims);

    public static string Hs256(byte[] key, Dictionary<string, object?> claims) =>
        Sign(new { alg = "HS256", typ = "JWT" }, claims, data => HMACSHA256.HashData(key, data));

    public static string Rs256(RSA rsa, string kid, Dictionary<string, object?> claims) =>
        Sign(new { alg = "RS256", typ = "JWT", kid }, claims, data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>ES256 signatures are r‖s (IEEE P1363), .NET's default format.</summary>
    public static string Es256(ECDsa ecdsa, string kid, Dictionary<string, object?> claims) =>
        Sign(new { alg = "ES256", typ = "JWT", kid }, claims, data => ecdsa.SignData(data, HashAlgorithmName.SHA256));

    public static string Unsigned(Dictionary<string, object?> claims) => $"{Part(new { alg = "none", typ = "JWT" })}.{Part(claims)}.";

    /// <summary>The same token with its payload swapped for <paramref name="claims"/>, signature kept.</summary>
    public static string WithPayload(string token, Dictionary<string, object?> claims)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Part(claims)}.{parts[2]}";
    }

    public static object RsaJwk(RSA rsa, string kid)
    {
        var p = rsa.ExportParameters(false);
        return new { kty = "RSA", kid, use = "sig", alg = "RS256", n = Base64Url.EncodeToString(p.Modulus), e = Base64Url.EncodeToString(p.Exponent) };
    }

    public static object EcJwk(ECDsa ecdsa, string kid)
    {
        var p = ecdsa.ExportParameters(false);
        return new { kty = "EC", kid, crv = "P-256", x = Base64Url.EncodeToString(p.Q.X), y = Base64Url.EncodeToString(p.Q.Y) };
    }

    private static string Sign(object header, Dictionary<string, object?> claims, Func<byte[], byte[]> signer)
    {
        var signingInput = $"{Part(header)}.{Part(claims)}";
        return $"{signingInput}.{Base64Url.EncodeToString(signer(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    private static string Part(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
}
