using Microsoft.AspNetCore.DataProtection;

namespace Confide.Identity.Sso;

/// <summary>
/// OIDC client secrets at rest: encrypted with Data Protection under a purpose naming the
/// workspace, so a secret copied to another workspace's row does not decrypt. The clear secret
/// exists only in memory, in the handler options built for a sign-in.
/// </summary>
public sealed class SsoClientSecrets(IDataProtectionProvider dataProtection)
{
    private const string Purpose = "Confide.Sso.OidcClientSecret.v1";

    public string Protect(string workspaceId, string secret) => Protector(workspaceId).Protect(secret);

    /// <exception cref="System.Security.Cryptography.CryptographicException">The key ring no longer holds the key (or the value was tampered with).</exception>
    public string Unprotect(string workspaceId, string protectedSecret) => Protector(workspaceId).Unprotect(protectedSecret);

    private IDataProtector Protector(string workspaceId) => dataProtection.CreateProtector(Purpose, workspaceId);
}
