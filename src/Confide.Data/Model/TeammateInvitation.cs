using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A workspace's invitation to an address: every added teammate starts as one. The
/// <see cref="Teammate"/> row stays without an account until the person who reads that address's
/// mail opens the link and either signs in to their existing account or creates one. Declined
/// and expired invitations are kept (only the person sees the difference), so the workspace
/// learns nothing about whether the address has an account until it accepts.
/// </summary>
public sealed class TeammateInvitation
{
    /// <summary>The pending <see cref="Teammate"/> this invitation completes.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string TeammateId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>
    /// The invited account, once known: set when the address already had one as it was added, or
    /// when the link is opened by the account that has it. Null for an address without an account.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AccountId { get; set; }

    /// <summary>
    /// The invited address's lookup key (<c>LookupKeys.Email</c>), so one address is invited
    /// once per workspace whether or not it has an account. Null on invitations made before links.
    /// </summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? EmailLookup { get; init; }

    /// <summary>SHA-256 of the secret in the invitation link (base64url); the secret itself is only in the mail.</summary>
    [DataCategory(DataCategories.SystemAuthentication)]
    public string? LinkTokenHash { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset ExpiresAt { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? DeclinedAt { get; set; }
}
