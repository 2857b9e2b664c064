using System.Buffers.Text;
using System.Security.Claims;
using System.Text.Json;
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
/// <remarks>
/// Identity's own <c>PasskeySignInAsync</c> is not used: it skips the lockout check a password
/// sign-in makes and marks the session as a password one. <see cref="SignInWithPasskeyAsync"/> does both right.
/// </remarks>
public sealed class TeammateSignInManager(
    UserManager<TeammateAccount> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<TeammateAccount> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<TeammateAccount>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<TeammateAccount> confirmation,
    TimeProvider clock,
    Sessions.TeammateSessions sessions)
    : SignInManager<TeammateAccount>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    /// <summary>Where a session begun in this request keeps its id until the request's principal carries it.</summary>
    private static readonly object BegunSessionKey = new();

    public override async Task SignInWithClaimsAsync(TeammateAccount user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
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
        // sign-in is an authentication with the account's strongest method. A refresh
        // (RefreshSignInAsync) passes the session's own time on, and keeps it.
        if (!claims.Any(c => c.Type == SessionClaims.AuthenticatedAt))
        {
            claims.Add(SessionClaims.AuthenticatedAtClaim(clock.GetUtcNow()));
        }

        // A sign-in begins a session on the server; a re-issue (refresh, step-up) keeps its session.
        if (!claims.Any(c => c.Type == SessionClaims.SessionId))
        {
            var sessionId = await sessions.BeginAsync(user.Id, Context.RequestAborted);
            Context.Items[BegunSessionKey] = sessionId;
            claims.Add(new Claim(SessionClaims.SessionId, sessionId));
        }

        await base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }

    /// <summary>
    /// Ends the session on the server as well as in the browser, so a copy of its cookie stops
    /// working too: the request's session, and one begun in this request and refused after all
    /// (both, when a browser that had a session signs in again and is refused: the cookie goes).
    /// </summary>
    public override async Task SignOutAsync()
    {
        var begun = Context.Items[BegunSessionKey] as string;
        var current = SessionClaims.SessionIdOf(Context.User);
        foreach (var sessionId in new[] { begun, current }.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await sessions.EndAsync(sessionId, TeammateSessionEndReasons.SignOut, CancellationToken.None);
        }

        await base.SignOutAsync();
    }

    /// <summary>
    /// Keeps how the session was signed in (and when it last proved a strong factor) when the cookie
    /// is re-issued after a change to the account. Identity's refresh copies only <c>amr</c>, which
    /// would turn a passkey or SSO session into a password one.
    /// </summary>
    public override Task RefreshSignInAsync(TeammateAccount user) => ReissueAsync(user, renewAuthentication: false);

    /// <summary>
    /// Step-up (<see cref="StepUp"/>): re-issues the session as <see cref="RefreshSignInAsync"/>
    /// does, but stamped as authenticated now, after the teammate proved it is still them.
    /// </summary>
    public Task RenewAuthenticationAsync(TeammateAccount user) => ReissueAsync(user, renewAuthentication: true);

    private async Task ReissueAsync(TeammateAccount user, bool renewAuthentication)
    {
        var current = await Context.AuthenticateAsync(AuthenticationScheme);
        if (!current.Succeeded || current.Principal is null || UserManager.GetUserId(current.Principal) != await UserManager.GetUserIdAsync(user))
        {
            // Identity's own refresh refuses (and logs) these cases.
            await base.RefreshSignInAsync(user);
            return;
        }

        // Without the old authentication time, SignInWithClaimsAsync stamps the current one.
        var kept = current.Principal.Claims
            .Where(c => SessionClaims.IsSessionClaim(c) || c.Type is "amr" or ClaimTypes.AuthenticationMethod)
            .Where(c => !(renewAuthentication && c.Type == SessionClaims.AuthenticatedAt))
            .Select(c => new Claim(c.Type, c.Value))
            .ToList();
        await SignInWithClaimsAsync(user, current.Properties, kept);
    }

    /// <summary>
    /// Completes a passkey sign-in started with <see cref="SignInManager{TUser}.MakePasskeyRequestOptionsAsync"/>:
    /// verifies the assertion (Identity's handler: challenge, origin, RP id, user verification,
    /// signature, signature counter, and that the credential belongs to the account its user handle
    /// names), then applies the same account checks as a password sign-in (lockout). A passkey is a
    /// complete sign-in: no second factor is asked for after it.
    /// </summary>
    /// <returns>The result, and the account when the credential is one the server knows (for the activity log).</returns>
    public async Task<PasskeySignIn> SignInWithPasskeyAsync(string credentialJson)
    {
        PasskeyAssertionResult<TeammateAccount> assertion;
        try
        {
            assertion = await PerformPasskeyAssertionAsync(credentialJson);
        }
        catch (InvalidOperationException)
        {
            // No sign-in under way in this browser (its one-time challenge was used or never made).
            return new(SignInResult.Failed, null);
        }

        if (!assertion.Succeeded)
        {
            return new(SignInResult.Failed, await OwnerOfCredentialAsync(credentialJson));
        }

        var account = assertion.User;
        // The new signature counter is stored even when the account is refused below.
        if (!(await UserManager.AddOrUpdatePasskeyAsync(account, assertion.Passkey)).Succeeded)
        {
            return new(SignInResult.Failed, account);
        }

        if (await PreSignInCheck(account) is { } refused)
        {
            return new(refused, account);
        }

        await UserManager.ResetAccessFailedCountAsync(account);
        await SignInWithClaimsAsync(account, isPersistent: false, [new Claim(SessionClaims.Method, SignInMethods.Passkey)]);
        return new(SignInResult.Success, account);
    }

    /// <summary>
    /// Re-authentication with a passkey (<see cref="StepUp"/>): the assertion must verify, from
    /// a ceremony started with <c>MakePasskeyRequestOptionsAsync(account)</c>, and belong to
    /// <paramref name="account"/> — another account's passkey proves nothing about this session.
    /// </summary>
    public async Task<bool> VerifyPasskeyOfAsync(TeammateAccount account, string credentialJson)
    {
        PasskeyAssertionResult<TeammateAccount> assertion;
        try
        {
            assertion = await PerformPasskeyAssertionAsync(credentialJson);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        if (!assertion.Succeeded || assertion.User.Id != account.Id)
        {
            return false;
        }

        return (await UserManager.AddOrUpdatePasskeyAsync(assertion.User, assertion.Passkey)).Succeeded;
    }

    /// <summary>The account a credential id (the <c>id</c> of the credential JSON, base64url) is registered to, if any.</summary>
    private async Task<TeammateAccount?> OwnerOfCredentialAsync(string credentialJson)
    {
        try
        {
            using var json = JsonDocument.Parse(credentialJson);
            return json.RootElement.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 and <= 1400 } encoded
                ? await UserManager.FindByPasskeyIdAsync(Base64Url.DecodeFromChars(encoded))
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>What <see cref="TeammateSignInManager.SignInWithPasskeyAsync"/> did, and for which account.</summary>
public sealed record PasskeySignIn(SignInResult Result, TeammateAccount? Account);
