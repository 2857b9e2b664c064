using System.Security.Claims;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Confide.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>
    /// PBKDF2-HMAC-SHA512 iterations for teammate passwords: OWASP's Password Storage Cheat
    /// Sheet asks for at least 210,000 with SHA-512.
    /// </summary>
    public const int PasswordHashIterations = 210_000;

    public static IServiceCollection AddConfideIdentity(this IServiceCollection services)
    {
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.AddIdentityCore<TeammateAccount>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = WorkspaceBootstrapper.MinimumPasswordLength;
                // Length and the common/breached lists, not composition rules (NIST SP 800-63B
                // 5.1.1.2): "Password1!" passes composition rules; a long passphrase need not.
                // The same rules then hold for the bootstrap owner and a changed password.
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Tokens.AuthenticatorTokenProvider = TwoFactor.TwoFactorProviders.Authenticator;
            })
            .AddSignInManager<TeammateSignInManager>()
            .AddEntityFrameworkStores<ConfideDbContext>()
            .AddTokenProvider<TwoFactor.ReplayProtectedAuthenticatorTokenProvider>(TwoFactor.TwoFactorProviders.Authenticator)
            .AddClaimsPrincipalFactory<TwoFactor.TeammateClaimsPrincipalFactory>()
            .AddPasswordValidator<Passwords.CommonPasswordValidator>()
            .AddPasswordValidator<Passwords.BreachedPasswordValidator>();
        services.AddOptions<Passwords.BreachedPasswordOptions>().BindConfiguration(Passwords.BreachedPasswordOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Passwords.BreachedPasswordOptions>, Passwords.BreachedPasswordFileCheck>();
        services.AddSingleton<Passwords.BreachedPasswords>();
        // Replaces the store AddEntityFrameworkStores registered: two-factor secrets wrapped or hashed.
        services.AddScoped<IUserStore<TeammateAccount>, TwoFactor.ProtectedTeammateUserStore>();
        // A changed password, role-relevant account change or turned-off second factor ends the
        // account's other sessions within a minute (Identity's default waits 30).
        services.Configure<SecurityStampValidatorOptions>(options =>
        {
            options.ValidationInterval = TimeSpan.FromMinutes(1);
            // The refreshed principal is rebuilt from the account: keep how the session was signed in.
            options.OnRefreshingPrincipal = context =>
            {
                var kept = context.CurrentPrincipal?.Claims.Where(SessionClaims.IsSessionClaim).ToList() ?? [];
                if (kept.Count > 0 && context.NewPrincipal?.Identity is ClaimsIdentity identity)
                {
                    identity.AddClaims(kept.Select(c => new Claim(c.Type, c.Value)));
                }

                return Task.CompletedTask;
            };
        });
        services.Configure<PasswordHasherOptions>(options =>
        {
            options.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            options.IterationCount = PasswordHashIterations;
        });
        AddPasskeys(services);
        services.AddScoped<Sessions.TeammateSessions>();
        services.AddSingleton<Sessions.SessionBookkeepingLog>();
        services.AddScoped<WorkspaceBootstrapper>();
        services.AddScoped<TeammateMemberships>();
        services.AddScoped<TeammateAdministration>();
        services.AddScoped<TeammateInvitations>();
        services.AddSingleton<TeammateInvitationMail>();
        services.AddScoped<TeammateNames>();
        services.AddSingleton<ApiTokenLastUse>();
        services.AddOptions<Sso.SsoOptions>().BindConfiguration(Sso.SsoOptions.Section)
            .Validate(o => o.LoadExtraTrustedCas() is not null, "Confide:Sso:ExtraTrustedCaFile cannot be read.")
            .Validate(o => o.ParseAllowedPrivateNetworks() is not null, "Confide:Sso:AllowedPrivateNetworks holds a malformed range.")
            .ValidateOnStart();
        services.AddSingleton<Sso.SsoServiceProviderUrls>();
        services.AddSingleton<Sso.SsoClientSecrets>();
        services.AddSingleton<Sso.Oidc.OidcBackchannel>();
        services.AddSingleton<Sso.Oidc.OidcHandlerOptionsCache>();
        services.AddScoped<Sso.SsoTeammates>();
        services.AddSingleton<Sso.Saml.SamlCorrelationCookie>();
        services.AddSingleton<Sso.Saml.SamlReplayGuard>();
        // One handler per protocol; the SSO endpoints pick the connection's.
        services.AddSingleton<Sso.ISsoProtocolHandler, Sso.Oidc.OidcProtocolHandler>();
        services.AddSingleton<Sso.ISsoProtocolHandler, Sso.Saml.SamlProtocolHandler>();
        services.AddScoped<ApiTokenAdministration>();
        services.AddScoped<WorkspaceSecurityPolicy>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, Authorization.PermissionAuthorizationHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, Authorization.WorkspacePoliciesMetHandler>();
        // Every API endpoint: a token of the workspace, used as the workspace's policies allow.
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiTokenAuthenticationHandler.SchemeName, policy => policy
                .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireClaim(ApiCaller.WorkspaceClaim)
                .AddRequirements(new Authorization.WorkspacePoliciesMetRequirement()));
        return services;
    }

    /// <summary>
    /// Identity's passkey handler, with discoverable credentials (sign-in without typing an email)
    /// and user verification required: a passkey sign-in is then possession plus PIN or
    /// biometric, complete on its own. The origin check is the host's (it knows the endpoints).
    /// </summary>
    private static void AddPasskeys(IServiceCollection services)
    {
        services.AddOptions<Passkeys.PasskeyOptions>()
            .BindConfiguration(Passkeys.PasskeyOptions.Section)
            .Validate(options => options.IsValid(), "Confide:Passkeys:ServerDomain must be a DNS host name without scheme or port, e.g. confide.example.com.")
            .ValidateOnStart();
        services.AddOptions<IdentityPasskeyOptions>().Configure<IOptions<Passkeys.PasskeyOptions>>((identity, confide) =>
        {
            identity.ServerDomain = confide.Value.ServerDomain;
            identity.ResidentKeyRequirement = "required";
            identity.UserVerificationRequirement = "required";
        });
        services.TryAddScoped<IPasskeyHandler<TeammateAccount>, PasskeyHandler<TeammateAccount>>();
    }
}
