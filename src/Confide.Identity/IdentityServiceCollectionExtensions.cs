using System.Security.Claims;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
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
        services.AddScoped<WorkspaceBootstrapper>();
        services.AddScoped<TeammateMemberships>();
        services.AddScoped<TeammateAdministration>();
        services.AddSingleton<ApiTokenLastUse>();
        services.AddScoped<ApiTokenAdministration>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, Authorization.PermissionAuthorizationHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiTokenAuthenticationHandler.SchemeName, policy => policy
                .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
                .RequireClaim(ApiCaller.WorkspaceClaim));
        return services;
    }
}
