using System.Globalization;
using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;

namespace Confide.Identity.TwoFactor;

/// <summary>
/// The authenticator-app factor. Unlike Identity's own provider it refuses a code whose time
/// step was already used by the account (RFC 6238 section 5.2: a code is good once), so a
/// code seen over a shoulder or in a proxy log cannot be replayed within its window.
/// </summary>
public sealed class ReplayProtectedAuthenticatorTokenProvider(TimeProvider time) : IUserTwoFactorTokenProvider<TeammateAccount>
{
    private const string Store = "[Confide]";
    private const string LastStepToken = "TotpLastStep";

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<TeammateAccount> manager, TeammateAccount user) =>
        !string.IsNullOrEmpty(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>Codes come from the teammate's app, never from the server.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<TeammateAccount> manager, TeammateAccount user) => Task.FromResult(string.Empty);

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<TeammateAccount> manager, TeammateAccount user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var step = Totp.MatchingStep(Base32.Decode(key), token.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), time.GetUtcNow());
        if (step is null)
        {
            return false;
        }

        var last = await manager.GetAuthenticationTokenAsync(user, Store, LastStepToken);
        if (last is not null && long.Parse(last, CultureInfo.InvariantCulture) >= step)
        {
            return false;
        }

        // Saved through the user's concurrency stamp: of two sign-ins racing with the same code, one fails to save.
        var saved = await manager.SetAuthenticationTokenAsync(user, Store, LastStepToken, step.Value.ToString(CultureInfo.InvariantCulture));
        return saved.Succeeded;
    }
}
