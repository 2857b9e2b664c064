using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Confide.Platform;
using Confide.Server.Hosting;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Transport;

/// <summary>
/// The HTTPS endpoints offer TLS 1.2 and 1.3 with forward-secret AEAD suites only, whatever the
/// operating system's OpenSSL would allow, and send HSTS on every response. Old protocols and
/// CBC suites are offered by <c>openssl s_client</c> with the client's own floor lowered, so a
/// refusal can only come from the server.
/// </summary>
public sealed class TlsTests(Servers servers)
{
    private const string HstsValue = "max-age=31536000; includeSubDomains";

    [Theory]
    [InlineData("-tls1")]
    [InlineData("-tls1_1")]
    public async Task Tls10And11Clients_AreRefused(string protocol)
    {
        var server = await servers.GetAsync(Providers.Sqlite);

        var (connected, output) = await OpenSslClient.HandshakeAsync(server.Ports[Region.Eu], protocol, "-cipher", "DEFAULT:@SECLEVEL=0");

        Assert.False(connected, output);
        Assert.Contains("alert protocol version", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384")]
    [InlineData("AES128-SHA:AES256-SHA:AES128-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384")]
    public async Task Tls12ClientOfferingOnlyCbcOrRsaKeyExchange_IsRefused(string suites)
    {
        var server = await servers.GetAsync(Providers.Sqlite);

        var (connected, output) = await OpenSslClient.HandshakeAsync(server.Ports[Region.Eu], "-tls1_2", "-cipher", suites + ":@SECLEVEL=0");

        Assert.False(connected, output);
        Assert.Contains("handshake failure", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2", "ECDHE-ECDSA-AES128-GCM-SHA256")]
    [InlineData("-tls1_2", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    [InlineData("-tls1_3", null)]
    public async Task ModernClients_Connect(string protocol, string? suite)
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        string[] options = suite is null ? [protocol] : [protocol, "-cipher", suite];

        var (connected, output) = await OpenSslClient.HandshakeAsync(server.Ports[Region.Eu], options);

        Assert.True(connected, output);
    }

    [Fact]
    public async Task NegotiatedSuite_IsOneOfThePinnedSuites()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(server.DataDirectory, "tls", "ca.pem")));
        foreach (var protocol in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, server.Ports[Region.Eu]);
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocol,
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            });

            Assert.Equal(protocol, tls.SslProtocol);
            Assert.Contains(tls.NegotiatedCipherSuite, TlsPolicy.CipherSuites);
        }
    }

    [Fact]
    public async Task Hsts_IsSentOnSuccessNotFoundAndApiErrors()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        using var anonymous = server.Client(Region.Eu);

        using var ok = await anonymous.GetAsync("health");
        using var notFound = await anonymous.GetAsync("no-such-page");
        using var unauthorized = await anonymous.GetAsync("contacts");
        using var page = await anonymous.GetAsync("app/login");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        foreach (var response in new[] { ok, notFound, unauthorized, page })
        {
            Assert.Equal(HstsValue, string.Join(",", response.Headers.GetValues("Strict-Transport-Security")));
        }
    }
}
