using Confide.Data;

namespace Confide.Messaging.Messenger.Verification;

/// <summary>Checks the identity a website claims for its end user against the workspace's secrets and keys.</summary>
public interface IMessengerIdentityVerifier
{
    Task<MessengerIdentityResult> VerifyAsync(CellDatabase cell, string workspaceId, MessengerIdentityClaim claim, CancellationToken ct);
}
