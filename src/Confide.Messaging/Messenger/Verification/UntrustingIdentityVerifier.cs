using Confide.Data;

namespace Confide.Messaging.Messenger.Verification;

/// <summary>Placeholder until signed identities are checked: every claimed identity is unverified, so every session is a visitor's.</summary>
internal sealed class UntrustingIdentityVerifier : IMessengerIdentityVerifier
{
    public Task<MessengerIdentityResult> VerifyAsync(CellDatabase cell, string workspaceId, MessengerIdentityClaim claim, CancellationToken ct) =>
        Task.FromResult<MessengerIdentityResult>(claim.IsIdentified
            ? new MessengerIdentityResult.Unverified("identity verification is not configured")
            : new MessengerIdentityResult.Anonymous());
}
