using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>A teammate's membership of a workspace (Intercom's "admin").</summary>
public sealed class Teammate
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>
    /// The sign-in account, or null while the teammate is an invitation not yet accepted
    /// (<see cref="TeammateInvitation"/>): until the person joins, nothing of any account (its
    /// sign-ins, the workspace's policies) is tied to the workspace.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AccountId { get; set; }

    /// <summary>The display name shown to customers and teammates, sealed under the workspace's workforce key; empty for none.</summary>
    [DataCategory(DataCategories.EmployeeName)]
    public required byte[] EncryptedName { get; set; }

    /// <summary>The email shown in the API, sealed; sign-in uses the account's own email.</summary>
    [DataCategory(DataCategories.EmployeeEmail)]
    public required byte[] EncryptedEmail { get; set; }

    /// <summary>Built-in role name (<see cref="TeammateRoles"/>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Role { get; set; }

    /// <summary>Away in the inbox (Intercom's <c>away_mode_enabled</c>).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public bool AwayMode { get; set; }

    /// <summary>While away, replies to the teammate's conversations go back to the unassigned inbox (Intercom's <c>away_mode_reassign</c>); stored and shown, not yet acted on.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public bool AwayModeReassign { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}

public static class TeammateRoles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Agent = "agent";
}
