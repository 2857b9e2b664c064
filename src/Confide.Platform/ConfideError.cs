using System.Net;

namespace Confide.Platform;

/// <summary>
/// A domain failure with a stable code. Module code throws <see cref="ConfideException"/>
/// carrying one of these; the edge maps it once to the Intercom error body. Messages must
/// never contain personal data: they are returned to clients and may be logged.
/// </summary>
public sealed record ConfideError(HttpStatusCode Status, string Code, string Message)
{
    public static ConfideError NotFound(string what) =>
        new(HttpStatusCode.NotFound, "not_found", $"{what} Not Found");

    public static ConfideError ParameterInvalid(string message) =>
        new(HttpStatusCode.BadRequest, "parameter_invalid", message);

    public static ConfideError ParameterMissing(string name) =>
        new(HttpStatusCode.BadRequest, "parameter_not_found", $"{name} is required");

    public static ConfideError Conflict(string message) =>
        new(HttpStatusCode.Conflict, "conflict", message);

    /// <summary>The code of <see cref="LegalHold"/>, for callers that tell this refusal from others.</summary>
    public const string LegalHoldCode = "legal_hold";

    /// <summary>
    /// A deletion refused because a legal hold protects what it would delete (docs/legal-holds.md).
    /// <paramref name="what"/> names the kind of thing only ("This contact"), never a person.
    /// </summary>
    public static ConfideError LegalHold(string what) =>
        new(HttpStatusCode.Conflict, LegalHoldCode, $"{what} is under a legal hold and cannot be deleted until the hold is released or expires");

    public static ConfideError Unauthorized() =>
        new(HttpStatusCode.Unauthorized, "unauthorized", "Access Token Invalid");

    public static ConfideError Forbidden(string message) =>
        new(HttpStatusCode.Forbidden, "forbidden", message);

    /// <summary>A write used a key version a rotation is retiring; retrying gets the current one.</summary>
    public static ConfideError KeyRotationInProgress() =>
        new(HttpStatusCode.ServiceUnavailable, "key_rotation_in_progress", "A key rotation is in progress and this request used a key being retired; retry the request");
}

public sealed class ConfideException(ConfideError error) : Exception(error.Message)
{
    public ConfideError Error { get; } = error;
}
