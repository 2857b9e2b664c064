using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// SAML 2.0 sign-in, SP-initiated: an AuthnRequest by HTTP-Redirect, the Response POSTed by the
/// browser to the workspace's ACS. A response counts only for the browser holding the request's
/// correlation cookie, only if <see cref="SamlResponseValidator"/> accepts it, and only once.
/// </summary>
public sealed class SamlProtocolHandler(
    SsoServiceProviderUrls urls,
    SamlCorrelationCookie correlation,
    SamlReplayGuard replay,
    TimeProvider time,
    ILogger<SamlProtocolHandler> logger) : ISsoProtocolHandler
{
    /// <summary>The form is the SAMLResponse (capped by the validator) and a short RelayState; more is not a genuine post.</summary>
    private const long MaxFormBytes = SamlResponseValidator.MaxEncodedLength + 16 * 1024;

    public string Protocol => SsoProtocols.Saml;

    public Task<SsoAssertion?> StartAsync(HttpContext http, SsoConnection connection)
    {
        using var saml = SamlConnection.From(connection, urls);
        if (saml is null)
        {
            return Task.FromResult<SsoAssertion?>(SsoAssertion.Refused(SsoRefusals.ConnectionUnusable));
        }

        // No RelayState: where the browser goes after sign-in is Confide's decision (SsoSignIn), as with OIDC.
        var request = SamlAuthnRequest.Create(saml.ServiceProvider, saml.IdentityProvider, time);
        correlation.Write(http, connection.WorkspaceId, request.RequestId);
        http.Response.Redirect(request.RedirectUrl.AbsoluteUri);
        return Task.FromResult<SsoAssertion?>(null);
    }

    public async Task<SsoAssertion> CompleteAsync(HttpContext http, SsoConnection connection)
    {
        // Taken (and deleted) before anything else, so a refused response also spends the request.
        var requestId = correlation.Take(http, connection.WorkspaceId);
        if (requestId is null)
        {
            return SsoAssertion.Refused(SsoRefusals.CorrelationMissing);
        }

        using var saml = SamlConnection.From(connection, urls);
        if (saml is null)
        {
            return SsoAssertion.Refused(SsoRefusals.ConnectionUnusable);
        }

        SamlAssertion assertion;
        try
        {
            var response = await SamlResponseAsync(http);
            assertion = SamlResponseValidator.Validate(response, new SamlValidationContext(saml.IdentityProvider, saml.ServiceProvider, requestId, time));
        }
        catch (SamlException e)
        {
            SsoLog.SamlResponseRefused(logger, connection.WorkspaceId, e.Reason.ToString());
            // The IdP's own "no" (the user cancelled, or is not allowed to use this application).
            return SsoAssertion.Refused(e.Reason == SamlFailure.StatusNotSuccess ? SsoRefusals.ProviderError : SsoRefusals.SamlInvalid);
        }

        var cell = http.RequestServices.GetRequiredService<CurrentCell>().Database;
        if (!await replay.TryConsumeAsync(cell, connection, assertion, http.RequestAborted))
        {
            return SsoAssertion.Refused(SsoRefusals.Replayed);
        }

        return Identity(assertion, connection);
    }

    /// <summary>
    /// The email from the configured attribute; without that attribute, the NameID when the IdP
    /// declares it an email address (never a persistent or transient id that merely contains an @).
    /// </summary>
    public static SsoAssertion Identity(SamlAssertion assertion, SsoConnection connection)
    {
        var email = First(assertion, connection.EmailAttribute);
        if (email is null && !assertion.Attributes.ContainsKey(connection.EmailAttribute) && assertion.NameIdFormat == SamlNames.EmailAddressNameIdFormat)
        {
            email = assertion.NameId;
        }

        return email is null
            ? SsoAssertion.Refused(SsoRefusals.EmailMissing)
            : SsoAssertion.Verified(email, First(assertion, connection.NameAttribute));
    }

    private static string? First(SamlAssertion assertion, string attribute) =>
        assertion.Attributes.TryGetValue(attribute, out var values) ? values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim() : null;

    private static async Task<string> SamlResponseAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType || http.Request.ContentLength is not { } length || length > MaxFormBytes)
        {
            throw new SamlException(SamlFailure.Malformed, "The ACS takes a form of known length with a SAMLResponse.");
        }

        try
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return form["SAMLResponse"] is [{ Length: > 0 } response] ? response : throw new SamlException(SamlFailure.Malformed, "The form has no single SAMLResponse.");
        }
        catch (InvalidDataException e)
        {
            throw new SamlException(SamlFailure.Malformed, "The form could not be read.", e);
        }
    }
}
