using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Confide.Server.Hosting;

/// <summary>
/// The embedded mode's certificates: a local CA (<c>tls/ca.pem</c>, give it to clients to
/// trust) and a server certificate for localhost/127.0.0.1/::1 signed by it. Created on first
/// start, reused afterwards, renewed when less than 30 days remain. Private keys are written
/// with owner-only permissions.
/// </summary>
public sealed class LocalCertificateAuthority(string dataDirectory, TimeProvider time)
{
    private string Directory => Path.Combine(dataDirectory, "tls");

    public string CaCertificatePath => Path.Combine(Directory, "ca.pem");

    private string CaKeyPath => Path.Combine(Directory, "ca.key");

    public string ServerCertificatePath => Path.Combine(Directory, "server.pem");

    public string ServerKeyPath => Path.Combine(Directory, "server.key");

    public X509Certificate2 LoadOrCreateServerCertificate()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var (ca, caKey) = LoadOrCreateCa();
        using (caKey)
        using (ca)
        {
            if (File.Exists(ServerCertificatePath) && File.Exists(ServerKeyPath))
            {
                var existing = X509Certificate2.CreateFromPemFile(ServerCertificatePath, ServerKeyPath);
                if (existing.NotAfter > time.GetUtcNow().AddDays(30))
                {
                    return existing;
                }

                existing.Dispose();
            }

            return CreateServerCertificate(ca, caKey);
        }
    }

    private (X509Certificate2 Ca, ECDsa Key) LoadOrCreateCa()
    {
        if (File.Exists(CaCertificatePath) && File.Exists(CaKeyPath))
        {
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(CaKeyPath));
            return (X509Certificate2.CreateFromPem(File.ReadAllText(CaCertificatePath)), key);
        }

        var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Confide Local CA", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        var ca = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        WritePrivate(CaKeyPath, caKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CaCertificatePath, ca.ExportCertificatePem());
        return (ca, caKey);
    }

    private X509Certificate2 CreateServerCertificate(X509Certificate2 ca, ECDsa caKey)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var now = time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), now.AddDays(397), serial);
        WritePrivate(ServerKeyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ServerCertificatePath, signed.ExportCertificatePem() + "\n" + ca.ExportCertificatePem());
        return X509Certificate2.CreateFromPemFile(ServerCertificatePath, ServerKeyPath);
    }

    private static void WritePrivate(string path, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(pem);
    }
}
