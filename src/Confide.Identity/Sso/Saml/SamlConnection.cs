using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confide.Data.Model;

namespace Confide.Identity.Sso.Saml;

/// <summary>A workspace's stored SAML connection as the protocol layer's two parties.</summary>
public sealed class SamlConnection : IDisposable
{
    private SamlConnection(SamlIdentityProvider identityProvider, SamlServiceProvider serviceProvider)
    {
        IdentityProvider = identityProvider;
        ServiceProvider = serviceProvider;
    }

    public SamlIdentityProvider IdentityProvider { get; }

    public SamlServiceProvider ServiceProvider { get; }

    /// <summary>Null when the row is not a usable SAML connection (fields missing, a certificate unreadable).</summary>
    public static SamlConnection? From(SsoConnection connection, SsoServiceProviderUrls urls)
    {
        if (connection is not { SamlIdpEntityId: { Length: > 0 } entityId, SamlSingleSignOnUrl: { } ssoUrl, SamlSigningCertificates: { } pems }
            || !Uri.TryCreate(ssoUrl, UriKind.Absolute, out var sso))
        {
            return null;
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pems);
        }
        catch (CryptographicException)
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            return null;
        }

        if (certificates.Count == 0)
        {
            return null;
        }

        return new SamlConnection(
            new SamlIdentityProvider(entityId, sso, [.. certificates]),
            ServiceProviderOf(connection.WorkspaceId, urls));
    }

    public static SamlServiceProvider ServiceProviderOf(string workspaceId, SsoServiceProviderUrls urls) =>
        new(urls.SamlEntityId(workspaceId), new Uri(urls.SamlAcsUrl(workspaceId)));

    public void Dispose()
    {
        foreach (var certificate in IdentityProvider.SigningCertificates)
        {
            certificate.Dispose();
        }
    }
}
