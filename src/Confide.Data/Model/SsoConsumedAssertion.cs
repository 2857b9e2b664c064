using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A SAML assertion (or other one-time sign-in proof) already used, kept until it expires so a
/// captured response cannot be replayed. The primary key makes a second use fail to insert.
/// </summary>
public sealed class SsoConsumedAssertion
{
    /// <summary>SHA-256 (hex) of the connection id and the assertion id: the ids themselves are not kept.</summary>
    [DataCategory(DataCategories.SystemAuthentication)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset ExpiresAt { get; init; }
}
