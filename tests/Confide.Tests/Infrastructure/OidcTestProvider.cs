using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A real OpenID Connect provider: npm <c>oidc-provider</c> (tests/oidc, installed by
/// scripts/test.sh with <c>npm ci</c>) over HTTPS on a free loopback port, with a certificate
/// from a CA this test run makes (Confide trusts it through <c>Confide:Sso:ExtraTrustedCaFile</c>).
/// Skipped, visibly, when the package is not installed; fails when CI says it is required.
/// </summary>
public sealed class OidcTestProvider : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private OidcTestProvider(Process process, string directory, int port, X509Certificate2 ca)
    {
        _process = process;
        _directory = directory;
        Issuer = $"https://127.0.0.1:{port}";
        Ca = ca;
        CaFile = Path.Combine(directory, "ca.pem");
    }

    public string Issuer { get; }

    public X509Certificate2 Ca { get; }

    /// <summary>The CA's PEM file, for <c>Confide:Sso:ExtraTrustedCaFile</c>.</summary>
    public string CaFile { get; }

    public static bool Required => Environment.GetEnvironmentVariable("CONFIDE_TEST_REQUIRE_OIDC") == "1";

    public static async Task<OidcTestProvider> StartAsync()
    {
        var package = Path.Combine(Checkout.Root(), "tests", "oidc");
        if (!Directory.Exists(Path.Combine(package, "node_modules", "oidc-provider")))
        {
            if (Required)
            {
                Assert.Fail("CONFIDE_TEST_REQUIRE_OIDC=1 but tests/oidc has no node_modules (run npm ci there).");
            }

            Assert.Skip("The OIDC test provider is not installed (npm ci in tests/oidc; scripts/test.sh does).");
        }

        var directory = Directory.CreateTempSubdirectory("confide-oidc-").FullName;
        var ca = IssueCertificates(directory);
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("node", [Path.Combine(package, "provider.mjs")])
        {
            WorkingDirectory = package,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OIDC_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OIDC_CERT"] = Path.Combine(directory, "server.pem");
        start.Environment["OIDC_KEY"] = Path.Combine(directory, "server.key");
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("ready ", StringComparison.Ordinal))
            {
                return new OidcTestProvider(process, directory, port, ca);
            }
        }

        throw new InvalidOperationException($"The OIDC provider exited ({(process.HasExited ? process.ExitCode : -1)}) before it was ready.");
    }

    /// <summary>Registers a client (RFC 7591) whose one redirect URI is Confide's for the workspace.</summary>
    public async Task<(string ClientId, string ClientSecret)> RegisterClientAsync(string redirectUri)
    {
        using var client = Client();
        var response = await client.PostAsJsonAsync(Issuer + "/reg", new Dictionary<string, object>
        {
            ["redirect_uris"] = new[] { redirectUri },
            ["token_endpoint_auth_method"] = "client_secret_post",
            ["grant_types"] = new[] { "authorization_code" },
            ["response_types"] = new[] { "code" },
        });
        var json = await response.JsonAsync(System.Net.HttpStatusCode.Created);
        return (json.Str("client_id"), json.Str("client_secret"));
    }

    /// <summary>A plain client that trusts the provider's CA.</summary>
    public HttpClient Client()
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => Trusts(certificate);
        return new HttpClient(handler);
    }

    public bool Trusts(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Ca.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A CA (ca.pem) and a server certificate for 127.0.0.1 it signed (server.pem, server.key).</summary>
    private static X509Certificate2 IssueCertificates(string directory)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Confide test OIDC CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddHours(12), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        return ca;
    }
}
