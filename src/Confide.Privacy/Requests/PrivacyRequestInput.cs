namespace Confide.Privacy.Requests;

/// <summary>
/// <c>POST /confide/privacy_requests</c>. The subject is named by exactly one of
/// <see cref="Email"/>, <see cref="ExternalId"/>, <see cref="Phone"/> or <see cref="ContactId"/>.
/// </summary>
/// <param name="ReceivedAt">Unix seconds; defaults to now and may not be in the future (the deadline runs from it).</param>
/// <param name="RecordIfUnmatched">
/// When no contact matches the identifier: false (the default) answers 404 and records nothing;
/// true records the request with <c>subject_found: false</c> (a request must be answered even
/// when Confide holds nothing about the person).
/// </param>
public sealed record PrivacyRequestInput(
    string? Kind,
    string? ReceivedVia,
    long? ReceivedAt,
    string? Email,
    string? ExternalId,
    string? Phone,
    string? ContactId,
    bool? RecordIfUnmatched);

/// <summary>The body of <c>refuse</c> and <c>extend</c> (a reason is required); the other transitions take none.</summary>
public sealed record PrivacyRequestReasonInput(string? Reason);
