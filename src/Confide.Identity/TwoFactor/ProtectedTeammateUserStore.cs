using System.Security.Cryptography;
using System.Text;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace Confide.Identity.TwoFactor;

/// <summary>
/// Identity's user store, with its two-factor secrets kept as the rest of Confide keeps secrets:
/// the authenticator key is encrypted with Data Protection (whose keys are themselves encrypted
/// under the data directory's key file), and recovery codes are stored only as SHA-256 hashes.
/// Identity's own store keeps both in clear in AspNetUserTokens.
/// </summary>
public sealed class ProtectedTeammateUserStore(ConfideDbContext context, IDataProtectionProvider dataProtection, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<TeammateAccount, ConfideDbContext>(context, describer)
{
    private const string InternalLoginProvider = "[AspNetUserStore]";
    private const string AuthenticatorKeyTokenName = "AuthenticatorKey";
    private const string RecoveryCodeTokenName = "RecoveryCodes";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Confide.Identity.AuthenticatorKey.v1");

    public override Task SetAuthenticatorKeyAsync(TeammateAccount user, string key, CancellationToken cancellationToken) =>
        SetTokenAsync(user, InternalLoginProvider, AuthenticatorKeyTokenName, _protector.Protect(key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(TeammateAccount user, CancellationToken cancellationToken)
    {
        var stored = await GetTokenAsync(user, InternalLoginProvider, AuthenticatorKeyTokenName, cancellationToken);
        return stored is null ? null : _protector.Unprotect(stored);
    }

    public override Task ReplaceCodesAsync(TeammateAccount user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(';', recoveryCodes.Select(Hash)), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(TeammateAccount user, string code, CancellationToken cancellationToken)
    {
        var hashes = (await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries);
        var hash = Hash(code);
        var match = hashes.FirstOrDefault(h => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(h), Encoding.ASCII.GetBytes(hash)));
        if (match is null)
        {
            return false;
        }

        await SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(';', hashes.Where(h => h != match)), cancellationToken);
        return true;
    }

    public override async Task<int> CountCodesAsync(TeammateAccount user, CancellationToken cancellationToken) =>
        (await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>Recovery codes are random (not guessable), so a plain SHA-256 is enough; codes are compared without dashes or case.</summary>
    private static string Hash(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Replace("-", "", StringComparison.Ordinal).Trim().ToUpperInvariant())));
}
