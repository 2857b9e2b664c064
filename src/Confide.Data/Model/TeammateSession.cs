using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A teammate's web session as the server knows it. Its id travels inside the session cookie
/// (which Data Protection encrypts and authenticates), and the cookie is accepted only while this
/// row says the session has not ended: signing out ends it on the server, so a copy of the
/// cookie taken before is worthless after. Rows are removed once the session could not be used
/// anyway (its absolute lifetime has passed).
/// </summary>
public sealed class TeammateSession
{
    /// <summary>128 random bits, base64url. Useless without the cookie keys, which never leave the server.</summary>
    [DataCategory(DataCategories.SystemAuthentication)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string AccountId { get; init; }

    /// <summary>The sign-in that began the session.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The session's last request, to the minute (written at most once a minute, outside the request).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>When it was ended (signed out, or ended from another session); null while it lasts.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Why it was ended: one of <see cref="TeammateSessionEndReasons"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? EndReason { get; set; }
}

/// <summary>Why a session ended before its time.</summary>
public static class TeammateSessionEndReasons
{
    public const string SignOut = "sign_out";
    public const string SignOutEverywhere = "sign_out_everywhere";
    public const string PasswordChange = "password_change";
    public const string TwoFactorChange = "two_factor_change";
    public const string PasskeyChange = "passkey_change";
}
