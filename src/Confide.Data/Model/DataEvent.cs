using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// Something a contact did in the customer's product (Intercom's data events), or a summary of
/// such events sent as counts (<c>POST /events/summaries</c>). The name is the workspace's own
/// category of event, kept in clear so events can be counted and de-duplicated; what the event
/// says beyond that (its metadata) is sealed under the contact's key, and the rows go with the
/// contact when it is erased.
/// </summary>
public sealed class DataEvent
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    /// <summary>The event's name (<c>event_name</c>), e.g. <c>placed-order</c>.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public required string Name { get; init; }

    /// <summary>When the event happened (<c>created_at</c>); for a summary, the last time.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Set only on a summary row: the first time. Null for a single event.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public DateTimeOffset? FirstOccurredAt { get; set; }

    /// <summary>How many times: 1 for a single event, the summary's count otherwise.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public long Count { get; set; } = 1;

    /// <summary>The metadata as a JSON object, sealed under the contact's key; null when none was sent.</summary>
    [DataCategory(DataCategories.UserBehavior)]
    public byte[]? EncryptedMetadata { get; init; }

    /// <summary>When Confide stored the row.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }
}
