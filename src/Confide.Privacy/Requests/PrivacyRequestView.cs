using Confide.Crypto;
using Confide.Data.Model;

namespace Confide.Privacy.Requests;

/// <summary>
/// A privacy request as the API returns it. Times are Unix seconds; <see cref="DueAt"/> is the
/// deadline in force (after an extension, the extended one), <see cref="OriginalDueAt"/> the
/// first one. The identifier the subject gave is shown to whoever may manage requests.
/// </summary>
public sealed record PrivacyRequestView(
    string Id,
    string WorkspaceId,
    string Kind,
    string State,
    string ReceivedVia,
    bool SubjectFound,
    string? ContactId,
    string SubjectIdentifierType,
    string? SubjectIdentifier,
    long ReceivedAt,
    long DueAt,
    long OriginalDueAt,
    bool Extended,
    string? ExtensionReason,
    string? StateReason,
    long? ClosedAt,
    bool Overdue,
    bool DueSoon,
    string CreatedById,
    long CreatedAt,
    long UpdatedAt)
{
    public string Type { get; } = "privacy_request";

    public static PrivacyRequestView From(PrivacyRequest request, WorkforceCipher cipher, DateTimeOffset now) => new(
        request.Id,
        request.WorkspaceId,
        request.Kind,
        request.State,
        request.ReceivedVia,
        request.ContactId is not null,
        request.ContactId,
        request.SubjectIdentifierType,
        IdentifierOf(request, cipher),
        request.ReceivedAt.ToUnixTimeSeconds(),
        request.DeadlineAt.ToUnixTimeSeconds(),
        request.DueAt.ToUnixTimeSeconds(),
        request.ExtendedDueAt is not null,
        Open(request, cipher, PrivacyRequestFields.ExtensionReason, request.EncryptedExtensionReason),
        Open(request, cipher, PrivacyRequestFields.StateReason, request.EncryptedStateReason),
        request.ClosedAt?.ToUnixTimeSeconds(),
        PrivacyRequestDeadlines.IsOverdue(request, now),
        PrivacyRequestDeadlines.IsDueSoon(request, now),
        request.CreatedById,
        request.CreatedAt.ToUnixTimeSeconds(),
        request.UpdatedAt.ToUnixTimeSeconds());

    /// <summary>The identifier as given; null once an erasure request completed (only its keyed hash stays), or when named by contact id.</summary>
    private static string? IdentifierOf(PrivacyRequest request, WorkforceCipher cipher) => request.SubjectIdentifierType switch
    {
        PrivacyRequestFields.Email => Open(request, cipher, PrivacyRequestFields.Email, request.EncryptedSubjectEmail),
        PrivacyRequestFields.ExternalId => Open(request, cipher, PrivacyRequestFields.ExternalId, request.EncryptedSubjectExternalId),
        PrivacyRequestFields.Phone => Open(request, cipher, PrivacyRequestFields.Phone, request.EncryptedSubjectPhone),
        _ => request.ContactId,
    };

    private static string? Open(PrivacyRequest request, WorkforceCipher cipher, string field, byte[]? sealedValue) =>
        sealedValue is null ? null : cipher.OpenPrivacyRequestField(request.Id, field, sealedValue);
}

/// <summary>A page of requests, with the counters the privacy centre shows at the top (over the whole workspace, not the filter).</summary>
public sealed record PrivacyRequestListView(IReadOnlyList<PrivacyRequestView> Data, int TotalCount, PrivacyRequestPagesView Pages, int OverdueCount, int DueSoonCount)
{
    public string Type { get; } = "list";
}

/// <summary>Intercom's <c>pages</c> object.</summary>
public sealed record PrivacyRequestPagesView(int PerPage, int TotalPages, PrivacyRequestNextPageView? Next, int Page = 1)
{
    public string Type { get; } = "pages";
}

public sealed record PrivacyRequestNextPageView(int PerPage, string StartingAfter);

/// <summary>Field names: the identifier types and the sealed fields' context names.</summary>
public static class PrivacyRequestFields
{
    public const string Email = "email";
    public const string ExternalId = "external_id";
    public const string Phone = "phone";
    public const string ContactId = "contact_id";
    public const string ExtensionReason = "extension_reason";
    public const string StateReason = "state_reason";
}
