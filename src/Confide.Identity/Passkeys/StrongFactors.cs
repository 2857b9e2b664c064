using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;

namespace Confide.Identity.Passkeys;

/// <summary>
/// Whether an account has a factor beyond its password: an authenticator app (TOTP) or at least
/// one passkey. A workspace that requires two-factor sign-in accepts either: a passkey is
/// possession of a device plus the user verification the authenticator did.
/// </summary>
public static class StrongFactors
{
    public static async Task<bool> HasAnyAsync(UserManager<TeammateAccount> users, TeammateAccount account) =>
        await users.GetTwoFactorEnabledAsync(account) || (await users.GetPasskeysAsync(account)).Count > 0;
}
