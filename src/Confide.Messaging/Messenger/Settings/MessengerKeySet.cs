using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Platform;
using Microsoft.IdentityModel.Tokens;

namespace Confide.Messaging.Messenger.Settings;

/// <summary>
/// The customer's public keys for RS256/ES256 identity tokens, as a JWKS document. Only public
/// RSA and P-256 EC keys are accepted: a private or symmetric key here would mean Confide could
/// mint identities, which is exactly what a key set is meant to avoid.
/// </summary>
internal static class MessengerKeySet
{
    public const int MaxKeys = 10;

    /// <summary>The stored column's length.</summary>
    private const int MaxStoredLength = 65_536;

    /// <summary>Larger RSA keys only make every verification slower.</summary>
    private const int MaxRsaBits = 8192;

    /// <summary>Members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4).</summary>
    private static readonly string[] SecretMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>The key set re-serialised compactly, or a 400 saying what is wrong with it.</summary>
    public static string Normalise(JsonElement jwks)
    {
        if (jwks.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("jwks must be a JSON Web Key Set object ({\"keys\":[…]}) or null");
        }

        var raw = jwks.GetRawText();
        try
        {
            // The web app's settings page parses the key set itself, without the API's converter.
            var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(raw));
            reader.Read();
            WellFormedJson.Check(reader);
        }
        catch (JsonException)
        {
            throw Invalid("jwks holds a string that is not valid Unicode, or an object that names a member twice");
        }

        var document = JsonNode.Parse(raw)!.AsObject();
        if (document["keys"] is not JsonArray keys || keys.Count == 0 || keys.Count > MaxKeys)
        {
            throw Invalid($"jwks must have \"keys\": an array of 1 to {MaxKeys} keys");
        }

        for (var i = 0; i < keys.Count; i++)
        {
            CheckKey(keys[i] as JsonObject ?? throw Invalid($"jwks.keys[{i}] must be an object"), i);
        }

        var normalised = new JsonObject { ["keys"] = keys.DeepClone() }.ToJsonString();
        return normalised.Length <= MaxStoredLength ? normalised : throw Invalid($"jwks may be at most {MaxStoredLength} characters");
    }

    /// <summary>The keys a stored set verifies with (already checked when stored).</summary>
    public static IReadOnlyList<JsonWebKey> Keys(string? stored) =>
        stored is null ? [] : [.. new JsonWebKeySet(stored).Keys.Where(k => k.Use is null or "sig")];

    public static IReadOnlyList<string> KeyIds(string? stored) => [.. Keys(stored).Select(k => k.Kid ?? "")];

    private static void CheckKey(JsonObject key, int index)
    {
        var at = $"jwks.keys[{index}]";
        if (SecretMembers.FirstOrDefault(key.ContainsKey) is { } secret)
        {
            throw Invalid($"{at} holds private or symmetric key material (\"{secret}\"): give public keys only");
        }

        var kty = Text(key, "kty");
        var (expectedAlg, required) = kty switch
        {
            "RSA" => ("RS256", new[] { "n", "e" }),
            "EC" => ("ES256", new[] { "crv", "x", "y" }),
            "oct" => throw Invalid($"{at} is a symmetric key (kty \"oct\"): use a messenger secret for HS256, and public RSA or EC keys here"),
            _ => throw Invalid($"{at} must have kty \"RSA\" or \"EC\""),
        };
        if (required.FirstOrDefault(m => Text(key, m) is null) is { } missing)
        {
            throw Invalid($"{at} lacks \"{missing}\"");
        }

        if (kty == "EC" && Text(key, "crv") != "P-256")
        {
            throw Invalid($"{at} must be on curve P-256 (ES256)");
        }

        if (Text(key, "alg") is { } alg && alg != expectedAlg)
        {
            throw Invalid($"{at} has alg \"{Shorten(alg)}\"; a {kty} key here must be {expectedAlg}");
        }

        if (Text(key, "use") is { } use && use != "sig")
        {
            throw Invalid($"{at} has use \"{Shorten(use)}\"; identity keys are for signatures (\"sig\")");
        }

        if (!Usable(key))
        {
            throw Invalid($"{at} is not a valid {kty} public key");
        }
    }

    /// <summary>
    /// The key's numbers must decode, make a key the token library accepts, and import into the
    /// platform's crypto: an EC point off the curve or an RSA exponent it refuses is caught here,
    /// when saved, not on the first token it should verify.
    /// </summary>
    private static bool Usable(JsonObject key)
    {
        try
        {
            var jwk = new JsonWebKey(key.ToJsonString());
            return !jwk.HasPrivateKey && jwk.KeySize > 0 && (jwk.Kty != "RSA" || jwk.KeySize is >= 2048 and <= MaxRsaBits) && Imports(jwk);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException or CryptographicException)
        {
            return false;
        }
    }

    private static bool Imports(JsonWebKey jwk)
    {
        if (jwk.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve)
        {
            var point = new ECPoint { X = Base64Url.DecodeFromChars(jwk.X), Y = Base64Url.DecodeFromChars(jwk.Y) };
            if (point.X.Length != 32 || point.Y.Length != 32)
            {
                return false;
            }

            using var ec = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = point });
            return true;
        }

        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = Base64Url.DecodeFromChars(jwk.N), Exponent = Base64Url.DecodeFromChars(jwk.E) });
        return true;
    }

    private static string? Text(JsonObject key, string member) =>
        key[member] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
