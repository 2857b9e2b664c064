namespace Confide.Messaging.Messenger.Verification;

/// <summary>
/// Who the company's website says the end user is, as sent when the messenger boots: a user id
/// and/or email (with optional name), and a proof — the Intercom-compatible <c>user_hash</c> or
/// an identity token (<c>user_jwt</c>). Nothing here is trusted until verified.
/// </summary>
public sealed record MessengerIdentityClaim(string? UserId, string? Email, string? Name, string? UserHash, string? UserJwt)
{
    /// <summary>The boot names someone (anything other than an anonymous visitor).</summary>
    public bool IsIdentified => UserId is { Length: > 0 } || Email is { Length: > 0 } || UserJwt is { Length: > 0 } || UserHash is { Length: > 0 };
}

/// <summary>The outcome of checking a <see cref="MessengerIdentityClaim"/>.</summary>
public abstract record MessengerIdentityResult
{
    private MessengerIdentityResult()
    {
    }

    /// <summary>No identity claimed: an anonymous visitor.</summary>
    public sealed record Anonymous : MessengerIdentityResult;

    /// <summary>
    /// A proven identity. <see cref="UserId"/> is null only for a <c>user_hash</c> over an email;
    /// <see cref="Email"/> and <see cref="Name"/> are the signed values when a token carried them.
    /// </summary>
    public sealed record Verified(string? UserId, string? Email, string? Name) : MessengerIdentityResult;

    /// <summary>
    /// An identity was claimed without a valid proof while enforcement is off: it is not
    /// refused, and not trusted either — the session is an anonymous visitor's.
    /// </summary>
    public sealed record Unverified(string Reason) : MessengerIdentityResult;

    /// <summary>Enforcement is on and the proof is missing or invalid. <see cref="Code"/> is the API error code.</summary>
    public sealed record Refused(string Code, string Message) : MessengerIdentityResult;
}
