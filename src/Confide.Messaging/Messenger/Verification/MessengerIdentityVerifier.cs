using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Messenger.Settings;
using Microsoft.Extensions.Logging;

namespace Confide.Messaging.Messenger.Verification;

/// <summary>
/// Decides what the messenger may believe about who an end user is. A claimed identity is
/// trusted only with a valid proof: a <c>user_jwt</c> (preferred when both are given) or an
/// Intercom-compatible <c>user_hash</c>. Without one the claim is refused when the workspace
/// enforces verification, and otherwise reported unverified — never believed either way.
/// Logs name the failed check only, never ids, emails or tokens.
/// </summary>
public sealed partial class MessengerIdentityVerifier(MessengerSecrets secrets, TimeProvider time, ILogger<MessengerIdentityVerifier> logger)
{
    public const string FailureCode = "identity_verification_failed";

    private readonly IdentityToken _tokens = new(time);

    public async Task<MessengerIdentityResult> VerifyAsync(CellDatabase cell, string workspaceId, MessengerIdentityClaim claim, CancellationToken ct)
    {
        if (!claim.IsIdentified)
        {
            return new MessengerIdentityResult.Anonymous();
        }

        var settings = await MessengerSettingsCommands.FindAsync(cell, workspaceId, ct);
        var keys = await secrets.ActiveKeysAsync(cell, workspaceId, ct);
        var (verified, failure) = claim switch
        {
            { UserJwt.Length: > 0 } => await CheckTokenAsync(claim, workspaceId, keys, settings),
            { UserHash.Length: > 0 } => CheckHash(claim, keys),
            _ => (null, "no user_hash or user_jwt was given"),
        };
        if (verified is not null)
        {
            return verified;
        }

        var enforced = settings?.IdentityVerificationEnforced ?? false;
        LogFailed(logger, workspaceId, enforced, failure!);
        return enforced
            ? new MessengerIdentityResult.Refused(FailureCode, $"Identity verification failed: {failure}.")
            : new MessengerIdentityResult.Unverified(failure!);
    }

    private async Task<(MessengerIdentityResult.Verified?, string?)> CheckTokenAsync(
        MessengerIdentityClaim claim, string workspaceId, IReadOnlyList<byte[]> keys, MessengerSettings? settings)
    {
        var maxLifetime = settings?.JwtMaxLifetimeSeconds ?? MessengerSettings.DefaultJwtMaxLifetimeSeconds;
        var (signed, failure) = await _tokens.CheckAsync(claim.UserJwt!, workspaceId, keys, settings?.JsonWebKeySet, maxLifetime);
        if (signed is null)
        {
            return (null, failure);
        }

        if (claim.UserId is { Length: > 0 } claimed && claimed != signed.UserId)
        {
            return (null, "the user_id given differs from the user_jwt's user_id");
        }

        // Only signed values: the page's own email and name could be anyone's.
        return (new MessengerIdentityResult.Verified(signed.UserId, signed.Email, signed.Name), null);
    }

    private static (MessengerIdentityResult.Verified?, string?) CheckHash(MessengerIdentityClaim claim, IReadOnlyList<byte[]> keys)
    {
        var subject = claim.UserId is { Length: > 0 } userId ? userId : claim.Email;
        if (subject is not { Length: > 0 })
        {
            return (null, "a user_hash needs the user_id (or email) it was computed over");
        }

        return UserHash.Matches(claim.UserHash!, subject, keys)
            ? (new MessengerIdentityResult.Verified(NullIfEmpty(claim.UserId), NullIfEmpty(claim.Email), NullIfEmpty(claim.Name)), null)
            : (null, claim.UserId is { Length: > 0 }
                ? "the user_hash is not the HMAC of the user_id under an active messenger secret"
                : "the user_hash is not the HMAC of the email under an active messenger secret");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Messenger identity not verified in workspace {WorkspaceId} (enforced: {Enforced}): {Failure}")]
    private static partial void LogFailed(ILogger logger, string workspaceId, bool enforced, string failure);
}
