using System.Security.Claims;
using Confide.Data.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Identity;

/// <summary>
/// Identity's sign-in manager, stamping every session with how it was signed in
/// (<see cref="SessionClaims"/>). Identity's own flows mark a password sign-in with
/// <c>amr=pwd</c> and a two-factor one with <c>amr=mfa</c>; flows of Confide's own (passkeys,
/// SSO) pass <see cref="SessionClaims.Method"/> themselves.
/// </summary>
public sealed class TeammateSignInManager(
    UserManager<TeammateAccount> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<TeammateAccount> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<TeammateAccount>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<TeammateAccount> confirmation,
    TimeProvider clock)
    : SignInManager<TeammateAccount>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override Task SignInWithClaimsAsync(TeammateAccount user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var claims = additionalClaims.ToList();
        var method = claims.FirstOrDefault(c => c.Type == SessionClaims.Method)?.Value;
        if (method is null)
        {
            var amr = claims.FirstOrDefault(c => c.Type == "amr")?.Value;
            method = amr == "mfa" ? SignInMethods.PasswordAndSecondFactor : SignInMethods.Password;
            claims.Add(new Claim(SessionClaims.Method, method));
        }

        // Identity asks for the account's second factor at sign-in when it has one, so every
        // sign-in is an authentication with the account's strongest method.
        claims.RemoveAll(c => c.Type == SessionClaims.AuthenticatedAt);
        claims.Add(SessionClaims.AuthenticatedAtClaim(clock.GetUtcNow()));

        return base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }
}
