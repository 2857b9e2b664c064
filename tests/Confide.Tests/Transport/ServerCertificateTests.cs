using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Transport;

/// <summary>The HTTPS certificate comes from PEM or PKCS#12 files, and a replaced file takes effect on the next handshake without a restart.</summary>
public sealed class ServerCertificateTests : IDisposable
{
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("confide-certs-");

    [Fact]
    public async Task PemFiles_Replaced_NextHandshakeSeesTheNewCertificate()
    {
        var certificate = Path.Combine(_files.FullName, "server.pem");
        var key = Path.Combine(_files.FullName, "server.key");
        using var first = WritePem(certificate, key, "first");
        await using var server = await TestServer.StartAsync(Providers.Sqlite, settings: [$"--Confide:Tls:CertificatePath={certificate}", $"--Confide:Tls:KeyPath={key}"]);
        Assert.Equal(first.Thumbprint, await PresentedThumbprintAsync(server.Ports[Region.Eu]));

        using var second = WritePem(certificate, key, "second");

        Assert.Equal(second.Thumbprint, await EventuallyPresentedAsync(server.Ports[Region.Eu], second.Thumbprint));
    }

    [Fact]
    public async Task Pkcs12File_IsServed_AndReloadedWhenReplaced()
    {
        var pfx = Path.Combine(_files.FullName, "server.p12");
        using var first = WritePkcs12(pfx, "first", "secret-1");
        await using var server = await TestServer.StartAsync(Providers.Sqlite, settings: [$"--Confide:Tls:Pkcs12Path={pfx}", "--Confide:Tls:Pkcs12Password=secret-1"]);
        Assert.Equal(first.Thumbprint, await PresentedThumbprintAsync(server.Ports[Region.Eu]));

        using var second = WritePkcs12(pfx, "second", "secret-1");

        Assert.Equal(second.Thumbprint, await EventuallyPresentedAsync(server.Ports[Region.Eu], second.Thumbprint));
    }

    [Fact]
    public async Task BrokenReplacement_KeepsServingThePreviousCertificate()
    {
        var certificate = Path.Combine(_files.FullName, "server.pem");
        var key = Path.Combine(_files.FullName, "server.key");
        using var first = WritePem(certificate, key, "first");
        await using var server = await TestServer.StartAsync(Providers.Sqlite, settings: [$"--Confide:Tls:CertificatePath={certificate}", $"--Confide:Tls:KeyPath={key}"]);

        await File.WriteAllTextAsync(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal(first.Thumbprint, await PresentedThumbprintAsync(server.Ports[Region.Eu]));
    }

    public void Dispose() => _files.Delete(recursive: true);

    private static X509Certificate2 Create(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=localhost, O={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 WritePem(string certificatePath, string keyPath, string name)
    {
        var certificate = Create(name);
        // Key first, certificate last: the reload must cope with seeing the pair half replaced.
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        return certificate;
    }

    private static X509Certificate2 WritePkcs12(string path, string name, string password)
    {
        var certificate = Create(name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return certificate;
    }

    private static Task<string> EventuallyPresentedAsync(int port, string expected) =>
        Poll.UntilAsync(() => PresentedThumbprintAsync(port), presented => presented == expected, TimeSpan.FromSeconds(60), "the replaced certificate to be presented");

    /// <summary>The thumbprint of the certificate a new TLS handshake is shown (not validated: these are self-signed test certificates).</summary>
    private static async Task<string> PresentedThumbprintAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        string? thumbprint = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            thumbprint = certificate?.GetCertHashString();
            return thumbprint is not null;
        });
        await tls.AuthenticateAsClientAsync("localhost");
        return thumbprint!;
    }
}
