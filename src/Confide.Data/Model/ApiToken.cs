using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A bearer token for the REST API. Only a hash of the secret is stored; the token itself is
/// shown once at creation. The token's text names its region so a request that reaches the
/// wrong regional endpoint can be redirected without touching any database.
/// </summary>
public sealed class ApiToken
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string TeammateId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Name { get; set; }

    /// <summary>Format marker + hash of the secret (<c>sha256:...</c>); see <c>ApiTokenHasher</c>.</summary>
    [DataCategory(DataCategories.SystemAuthentication)]
    public required string SecretHash { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>Space-separated permissions the token is limited to; null for all of its teammate's.</summary>
    [DataCategory(DataCategories.SystemAuthentication)]
    public string? Scopes { get; set; }

    /// <summary>After this instant the token is refused; null for no expiry.</summary>
    [DataCategory(DataCategories.SystemAuthentication)]
    public DateTimeOffset? ExpiresAt { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? RevokedAt { get; set; }
}
