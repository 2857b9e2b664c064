using Confide.Messaging.Messenger.Settings;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Confide.Messaging.Messenger.Verification;

/// <summary>What a valid identity token says: only signed values.</summary>
internal sealed record IdentityTokenClaims(string UserId, string? Email, string? Name);

/// <summary>
/// Checks a <c>user_jwt</c>: HS256 under an active messenger secret, or RS256/ES256 under a key of
/// the workspace's JWKS, never across (an HS256 token is never checked against a public key,
/// which anyone could use as an HMAC key); audience the workspace id; exp and iat present, iat
/// not ahead of the clock, and a lifetime no longer than the workspace allows.
/// </summary>
internal sealed class IdentityToken(TimeProvider time)
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Far beyond any sensible identity token; refused before parsing.</summary>
    public const int MaxLength = 8192;

    private static readonly string[] Algorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>The signed claims, or the reason (free of personal data) the token is not accepted.</summary>
    public async Task<(IdentityTokenClaims? Claims, string? Failure)> CheckAsync(
        string token, string workspaceId, IReadOnlyList<byte[]> secrets, string? keySet, int maxLifetimeSeconds)
    {
        if (token.Length > MaxLength || !_handler.CanReadToken(token) || AlgorithmOf(token) is not { } alg)
        {
            return (null, "the user_jwt is not a well-formed JWT");
        }

        if (!Algorithms.Contains(alg, StringComparer.Ordinal))
        {
            return (null, "the user_jwt must be signed with HS256, RS256 or ES256");
        }

        var symmetric = secrets.Select(s => (SecurityKey)new SymmetricSecurityKey(s)).ToList();
        var published = MessengerKeySet.Keys(keySet);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = false,
            IssuerSigningKeyResolver = (_, securityToken, kid, _) => KeysFor(((JsonWebToken)securityToken).Alg, kid, symmetric, published),
            TryAllIssuerSigningKeys = true,
            ValidateIssuer = false,
            ValidateAudience = true,
            ValidAudience = workspaceId,
            // Times are checked below against the server's clock, with the workspace's limits.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            LogValidationExceptions = false,
        });
        if (!result.IsValid)
        {
            return (null, Reason(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (TimeFailure(jwt, maxLifetimeSeconds) is { } late)
        {
            return (null, late);
        }

        // A string in the JSON, not a number the library would turn into one: ids are compared exactly.
        if (!jwt.TryGetPayloadValue<object>("user_id", out var rawUserId) || rawUserId is not string { Length: > 0 } userId)
        {
            return (null, "the user_jwt has no user_id claim (a string)");
        }

        return (new IdentityTokenClaims(userId, SignedText(jwt, "email"), SignedText(jwt, "name")), null);
    }

    /// <summary>
    /// The header's alg, or null when the token does not parse. Reading decodes header and payload
    /// both: the library reports a segment that is not base64url JSON (or whose claims it cannot
    /// take, such as an exp beyond its dates) with an <see cref="ArgumentException"/>, and a
    /// five-segment (JWE) form with a segment that is not base64url with a
    /// <see cref="FormatException"/>, not only with <see cref="SecurityTokenMalformedException"/>.
    /// </summary>
    private string? AlgorithmOf(string token)
    {
        try
        {
            return _handler.ReadJsonWebToken(token).Alg ?? "";
        }
        catch (Exception e) when (e is SecurityTokenMalformedException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Symmetric keys only for HS256, and only the key set's keys of the matching type for RS256/ES256.</summary>
    private static IEnumerable<SecurityKey> KeysFor(string alg, string? kid, List<SecurityKey> symmetric, IReadOnlyList<JsonWebKey> published)
    {
        if (alg == SecurityAlgorithms.HmacSha256)
        {
            return symmetric;
        }

        var kty = alg switch
        {
            SecurityAlgorithms.RsaSha256 => JsonWebAlgorithmsKeyTypes.RSA,
            SecurityAlgorithms.EcdsaSha256 => JsonWebAlgorithmsKeyTypes.EllipticCurve,
            _ => null,
        };
        var candidates = published.Where(k => kty is not null && k.Kty == kty).ToList();
        var named = candidates.Where(k => kid is not null && k.Kid == kid).ToList();
        return named.Count > 0 ? named : candidates;
    }

    private string? TimeFailure(JsonWebToken jwt, int maxLifetimeSeconds)
    {
        if (!jwt.TryGetPayloadValue<object>("exp", out _) || jwt.ValidTo == DateTime.MinValue)
        {
            return "the user_jwt has no exp claim";
        }

        if (!jwt.TryGetPayloadValue<object>("iat", out _) || jwt.IssuedAt == DateTime.MinValue)
        {
            return "the user_jwt has no iat claim";
        }

        // The skew moves the server's clock, never the token's dates: those may be at either end
        // of DateTime's range, where adding or subtracting would overflow.
        var now = time.GetUtcNow().UtcDateTime;
        var expires = jwt.ValidTo;
        var issued = jwt.IssuedAt;
        var maxLifetime = TimeSpan.FromSeconds(maxLifetimeSeconds);
        return true switch
        {
            _ when expires <= now - ClockSkew => "the user_jwt has expired",
            _ when issued > now + ClockSkew => "the user_jwt's iat is in the future",
            _ when jwt.ValidFrom != DateTime.MinValue && jwt.ValidFrom > now + ClockSkew => "the user_jwt is not valid yet (nbf)",
            _ when expires - issued > maxLifetime => $"the user_jwt's lifetime (exp - iat) is over the workspace's maximum of {maxLifetimeSeconds} seconds",
            _ when expires - now > maxLifetime => $"the user_jwt expires more than {maxLifetimeSeconds} seconds from now",
            _ => null,
        };
    }

    private static string? SignedText(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue<string>(claim, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static string Reason(Exception? failure) => failure switch
    {
        SecurityTokenInvalidAudienceException => "the user_jwt's aud is not this workspace's id",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            "the user_jwt's signature does not verify with an active messenger secret (HS256) or a key of the workspace's JWKS (RS256/ES256)",
        SecurityTokenInvalidAlgorithmException => "the user_jwt must be signed with HS256, RS256 or ES256",
        SecurityTokenMalformedException => "the user_jwt is not a well-formed JWT",
        _ => "the user_jwt is not valid",
    };
}
