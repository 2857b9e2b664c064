using System.Net;
using System.Security.Cryptography.X509Certificates;
using Confide.Platform;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A teammate's browser going through single sign-on: one cookie jar for Confide (localhost) and
/// the identity provider (127.0.0.1), each redirect taken by hand so a test can capture, change
/// or replay any step.
/// </summary>
public sealed class SsoBrowser : IDisposable
{
    private readonly X509Certificate2 _confideCa;

    public SsoBrowser(TestServer server, OidcTestProvider provider)
        : this(server, provider.Trusts)
    {
    }

    /// <param name="trustsIdp">Whether a TLS certificate is the identity provider's.</param>
    public SsoBrowser(TestServer server, Func<X509Certificate?, bool> trustsIdp)
    {
        _confideCa = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(server.DataDirectory, "tls", "ca.pem")));
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = Cookies };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => trustsIdp(certificate) || TrustsConfide(certificate);
        Http = new HttpClient(handler) { BaseAddress = server.BaseUrl(Region.Eu) };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    /// <summary>Opens the workspace's SSO start; returns the authorization request (OIDC) or AuthnRequest (SAML) Confide redirected to.</summary>
    public async Task<Uri> StartAsync(string workspaceId)
    {
        using var response = await Http.GetAsync($"app/sso/{workspaceId}/start");
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"start: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    /// <summary>
    /// Follows the provider's redirects, signing in as <paramref name="login"/> at its interaction,
    /// and returns the callback URL to Confide without opening it.
    /// </summary>
    /// <param name="emailVerified"><c>true</c>, <c>false</c>, or <c>omit</c> (the provider sends no email_verified claim).</param>
    /// <param name="replaceNonce">The test provider's hook: issue the id_token with this nonce instead of the one Confide sent.</param>
    public async Task<Uri> AuthorizeAsync(Uri authorizationRequest, string login, string emailVerified = "true", string? replaceNonce = null)
    {
        var next = authorizationRequest;
        for (var step = 0; step < 10; step++)
        {
            if (next.AbsolutePath.StartsWith("/interaction/", StringComparison.Ordinal))
            {
                var nonce = replaceNonce is null ? "" : $"&nonce={Uri.EscapeDataString(replaceNonce)}";
                next = new Uri(next, $"{next.AbsolutePath}?login={Uri.EscapeDataString(login)}&email_verified={emailVerified}{nonce}");
            }

            using var response = await Http.GetAsync(next);
            var location = response.Headers.Location;
            Assert.True(location is not null, $"provider step {step} ({next.AbsolutePath}): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            next = location.IsAbsoluteUri ? location : new Uri(next, location);
            if (next.AbsolutePath.EndsWith("/oidc/callback", StringComparison.Ordinal))
            {
                return next;
            }
        }

        throw new InvalidOperationException("The provider never redirected back to Confide.");
    }

    /// <summary>Opens Confide's callback; returns where Confide sends the browser next.</summary>
    public async Task<string> CallbackAsync(Uri callback)
    {
        using var response = await Http.GetAsync(callback);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"callback: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>The whole flow; returns Confide's final redirect (the inbox, or the SSO error page with its reason).</summary>
    public async Task<string> SignInAsync(string workspaceId, string login, string emailVerified = "true") =>
        await CallbackAsync(await AuthorizeAsync(await StartAsync(workspaceId), login, emailVerified));

    /// <summary>POSTs a SAMLResponse to Confide's ACS, as the IdP's auto-submitting form does; returns where Confide sends the browser next.</summary>
    public async Task<string> PostSamlResponseAsync(Uri acs, string samlResponse, string? relayState = null)
    {
        var fields = new Dictionary<string, string> { ["SAMLResponse"] = samlResponse };
        if (relayState is not null)
        {
            fields["RelayState"] = relayState;
        }

        using var form = new FormUrlEncodedContent(fields);
        using var response = await Http.PostAsync(acs, form);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"acs: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    public void Dispose()
    {
        Http.Dispose();
        _confideCa.Dispose();
    }

    private bool TrustsConfide(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_confideCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
