using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A data-subject request (GDPR Art. 15–21): what was asked, of whom, how it arrived, where it
/// stands and by when it must be answered. The subject is found through the blind indexes; the
/// identifier they gave is kept as its keyed hash (<see cref="SubjectLookup"/>) and, for
/// correspondence, sealed under the workspace's workforce key. Never in clear.
/// See docs/privacy-operations.md.
/// </summary>
public sealed class PrivacyRequest
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>One of <see cref="PrivacyRequestKinds"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Kind { get; init; }

    /// <summary>One of <see cref="PrivacyRequestStates"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string State { get; set; }

    /// <summary>How the request arrived: one of <see cref="PrivacyRequestChannels"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ReceivedVia { get; init; }

    /// <summary>
    /// The contact the request is about, when one matched. Not a foreign key: the record must
    /// outlive the contact's erasure (it is the proof the request was answered).
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ContactId { get; init; }

    /// <summary>What the subject was found by: <c>email</c>, <c>external_id</c>, <c>phone</c> or <c>contact_id</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string SubjectIdentifierType { get; init; }

    /// <summary>
    /// Keyed hash of the identifier (the workspace's blind index), so the subject's other
    /// records and a later request of the same person are found without the identifier itself.
    /// Null when the subject was named by contact id.
    /// </summary>
    [DataCategory(DataCategories.UserDerivedIndex)]
    public string? SubjectLookup { get; init; }

    /// <summary>The email the subject gave, sealed under the workforce key; cleared when an erasure request completes.</summary>
    [DataCategory(DataCategories.UserEmail)]
    public byte[]? EncryptedSubjectEmail { get; set; }

    /// <summary>The external id the subject was named by, sealed likewise.</summary>
    [DataCategory(DataCategories.UserId)]
    public byte[]? EncryptedSubjectExternalId { get; set; }

    /// <summary>The phone number the subject gave, sealed likewise.</summary>
    [DataCategory(DataCategories.UserPhone)]
    public byte[]? EncryptedSubjectPhone { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The legal deadline: one calendar month after <see cref="ReceivedAt"/> (Art. 12(3)).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>The deadline after the one extension (two further months), if extended.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? ExtendedDueAt { get; set; }

    /// <summary>The deadline in force: <see cref="ExtendedDueAt"/> when set, else <see cref="DueAt"/>. Lists sort and filter on it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset DeadlineAt { get; set; }

    /// <summary>Why the deadline was extended (free text a teammate wrote), sealed under the workforce key.</summary>
    [DataCategory(DataCategories.UserNote)]
    public byte[]? EncryptedExtensionReason { get; set; }

    /// <summary>Why the request was refused (free text), sealed under the workforce key.</summary>
    [DataCategory(DataCategories.UserNote)]
    public byte[]? EncryptedStateReason { get; set; }

    /// <summary>When the request reached <c>completed</c> or <c>refused</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>The teammate who recorded the request.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string CreatedById { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// Recorded by an erasure asked directly (<c>DELETE /contacts/{id}</c>, <c>user_delete_requests</c>,
    /// a bulk erase) so that it has a request, a deadline and a receipt; the erasure's own
    /// <c>contact_deletion</c> entry stands for its creation and completion in the activity log.
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public bool OpenedByErasure { get; init; }
}

/// <summary>What the subject asks for (GDPR Art. 15, 17, 16, 21).</summary>
public static class PrivacyRequestKinds
{
    public const string Access = "access";
    public const string Erasure = "erasure";
    public const string Rectification = "rectification";
    public const string Objection = "objection";

    public static IReadOnlyList<string> All { get; } = [Access, Erasure, Rectification, Objection];
}

/// <summary><c>received → verifying → in_progress → completed</c>, or <c>refused</c> from any open state.</summary>
public static class PrivacyRequestStates
{
    public const string Received = "received";
    public const string Verifying = "verifying";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Refused = "refused";

    public static IReadOnlyList<string> All { get; } = [Received, Verifying, InProgress, Completed, Refused];

    /// <summary>The states in which the deadline runs.</summary>
    public static IReadOnlyList<string> Open { get; } = [Received, Verifying, InProgress];

    public static bool IsOpen(string state) => state is Received or Verifying or InProgress;
}

public static class PrivacyRequestChannels
{
    public const string Email = "email";
    public const string WebForm = "web_form";
    public const string Phone = "phone";
    public const string InPerson = "in_person";
    public const string Api = "api";
    public const string Other = "other";

    public static IReadOnlyList<string> All { get; } = [Email, WebForm, Phone, InPerson, Api, Other];
}
