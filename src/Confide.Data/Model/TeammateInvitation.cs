using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A workspace's invitation to an account that existed before it was added: the
/// <see cref="Teammate"/> row stays without an account until the invited person, signed in as
/// themselves, accepts. Declined and expired invitations are kept (only the person sees the
/// difference), so the workspace learns nothing about the account until it accepts.
/// </summary>
public sealed class TeammateInvitation
{
    /// <summary>The pending <see cref="Teammate"/> this invitation completes.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string TeammateId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>The invited account.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string AccountId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset ExpiresAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? DeclinedAt { get; set; }
}
