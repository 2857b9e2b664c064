using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// How a workspace's website messenger may be embedded and how it proves who an end user is
/// (docs/messenger.md). One row per workspace, created on first change; no row means the
/// defaults: embeddable nowhere, identity verification not enforced.
/// </summary>
public sealed class MessengerSettings
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>
    /// Every identified boot must carry a valid proof (user hash or JWT), or it is refused. Off,
    /// an unproven identity is not refused but is never trusted: the session is an anonymous visitor's.
    /// </summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public bool IdentityVerificationEnforced { get; set; }

    /// <summary>Space-separated origins (scheme://host[:port]) of the sites that may embed the messenger frame.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? AllowedOrigins { get; set; }

    /// <summary>The longest JWT lifetime (exp − iat) accepted, in seconds.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public int JwtMaxLifetimeSeconds { get; set; } = DefaultJwtMaxLifetimeSeconds;

    /// <summary>
    /// The customer's public keys (a JWKS document) for RS256/ES256 identity tokens: with these,
    /// Confide holds nothing that can mint an identity. Null when only the shared secret is used.
    /// </summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? JsonWebKeySet { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }

    public const int DefaultJwtMaxLifetimeSeconds = 3600;
}

/// <summary>
/// A messenger identity secret: the key of the <c>user_hash</c> HMAC and of HS256 identity
/// tokens. Stored sealed under the workspace key. Two may be active during a rotation; a
/// retired one verifies nothing.
/// </summary>
public sealed class MessengerSecret
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemKeyMaterial)]
    public required byte[] SealedSecret { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? RetiredAt { get; set; }
}
