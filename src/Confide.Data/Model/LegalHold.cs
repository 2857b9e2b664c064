using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A legal hold: while it is active, nothing about its target may be deleted — not by retention,
/// not by an erasure request, not by a bulk erasure, and (for a workspace) not by the workspace's
/// deletion. A hold is never deleted: releasing it records who released it and when, so the
/// activity log and this row together show when data was protected (docs/retention.md).
/// </summary>
public sealed class LegalHold
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>See <see cref="LegalHoldTargets"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string TargetType { get; init; }

    /// <summary>The contact's or conversation's id, or the workspace's own id.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string TargetId { get; init; }

    /// <summary>Why the data is held (a matter, a case number), encrypted under the workspace's key: it may name people.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public byte[]? EncryptedReason { get; set; }

    /// <summary>Who set the hold: an activity actor's type and id.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string SetByType { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string SetById { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the hold lapses by itself; null for "until released".</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? Until { get; init; }

    /// <summary>When it was released; null while it stands (or until it lapses).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? ReleasedAt { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public string? ReleasedByType { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public string? ReleasedById { get; set; }
}

/// <summary>What a <see cref="LegalHold"/> can hold.</summary>
public static class LegalHoldTargets
{
    public const string Contact = "contact";
    public const string Conversation = "conversation";
    public const string Workspace = "workspace";

    public static bool IsValid(string? type) => type is Contact or Conversation or Workspace;
}
