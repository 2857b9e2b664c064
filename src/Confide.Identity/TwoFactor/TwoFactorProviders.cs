namespace Confide.Identity.TwoFactor;

public static class TwoFactorProviders
{
    /// <summary>The name of the authenticator-app (TOTP) provider, <see cref="ReplayProtectedAuthenticatorTokenProvider"/>.</summary>
    public const string Authenticator = "ConfideAuthenticator";
}
