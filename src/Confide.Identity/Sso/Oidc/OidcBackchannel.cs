using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Confide.Identity.Sso.Oidc;

/// <summary>
/// The one HTTP client for server-to-provider calls (discovery, signing keys, token, userinfo),
/// shared by every workspace's connection. It trusts the system store, plus
/// <see cref="SsoOptions.ExtraTrustedCaFile"/> for providers behind a private CA, and connects
/// only to public addresses unless the operator allows more (<see cref="BackchannelAddressPolicy"/>).
/// </summary>
public sealed class OidcBackchannel : IDisposable
{
    private readonly X509Certificate2Collection _extraCas;

    public OidcBackchannel(IOptions<SsoOptions> options)
    {
        _extraCas = options.Value.LoadExtraTrustedCas();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = new BackchannelAddressPolicy(options.Value.ParseAllowedPrivateNetworks()).ConnectAsync,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = Validate;
        Client = new HttpClient(handler)
        {
            Timeout = TimeSpan.FromSeconds(30),
            MaxResponseContentBufferSize = 1024 * 1024,
        };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd("Confide-SSO/1");
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Only an untrusted root may be rescued by the extra CAs; a wrong host name never is.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _extraCas.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraCas);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(e => e.Certificate).ToArray());
        }

        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
