using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Confide.Identity.Sso.Saml;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A real SAML IdP: Debian's SimpleSAMLphp served by <c>php -S</c> from a temp directory holding
/// its configuration, a user/password test account and an RSA key pair generated here (so tests
/// can also forge responses with the IdP's own key). It knows one SP, the one passed to
/// <see cref="StartAsync"/>. There is no skipping: scripts/test.sh installs SimpleSAMLphp, and a
/// missing or broken install fails the tests with the reason.
/// </summary>
public sealed partial class SimpleSamlPhpIdp : IAsyncDisposable
{
    public const string WwwDirectory = "/usr/share/simplesamlphp/www";
    public const string Username = "alice";
    public const string Email = "alice@example.com";
    public const string DisplayName = "Alice Example";

    private readonly StringBuilder _log = new();
    private readonly string _directory;
    private Process? _process;

    private SimpleSamlPhpIdp(string directory, int port, X509Certificate2 certificate)
    {
        _directory = directory;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        Certificate = certificate;
    }

    public static string Password { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    public Uri BaseUrl { get; }

    public Uri MetadataUrl => new(BaseUrl, "saml2/idp/metadata.php?output=xml");

    /// <summary>SimpleSAMLphp's dynamic entity ID is its metadata URL without the query.</summary>
    public string EntityId => new Uri(BaseUrl, "saml2/idp/metadata.php").AbsoluteUri;

    /// <summary>The IdP's signing certificate, with its private key (for forging test responses).</summary>
    public X509Certificate2 Certificate { get; }

    public string MetadataXml { get; private set; } = "";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<SimpleSamlPhpIdp> StartAsync(SamlServiceProvider sp)
    {
        var php = FindOnPath("php");
        if (php is null || !File.Exists(Path.Combine(WwwDirectory, "index.php")))
        {
            Assert.Fail("SimpleSAMLphp is not installed (Debian packages simplesamlphp php-cli php-xml php-mbstring php-curl php-intl; scripts/test.sh installs them).");
        }

        var directory = Directory.CreateTempSubdirectory("confide-simplesamlphp-").FullName;
        var idp = new SimpleSamlPhpIdp(directory, FreePorts.Next(), CreateCertificate());
        try
        {
            idp.WriteConfiguration(sp);
            await idp.RunAsync(php!);
            return idp;
        }
        catch
        {
            await idp.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Follows the AuthnRequest redirect like a browser, logs in on SimpleSAMLphp's form and returns
    /// what its auto-submitting form would POST to the ACS.
    /// </summary>
    public async Task<PostedSamlResponse> LogInAsync(Uri authnRequestRedirect, string username = Username, string? password = null)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var loginPage = await client.GetAsync(authnRequestRedirect);
        var loginHtml = await loginPage.Content.ReadAsStringAsync();
        var authState = HiddenInput(loginHtml, "AuthState")
            ?? throw new InvalidOperationException($"SimpleSAMLphp showed no login form ({(int)loginPage.StatusCode}):\n{loginHtml}\n{Log}");

        // The form posts to "?", i.e. back to the login page's own URL.
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = username,
            ["password"] = password ?? Password,
            ["AuthState"] = authState,
        });
        using var posted = await client.PostAsync(loginPage.RequestMessage!.RequestUri, form);
        var html = await posted.Content.ReadAsStringAsync();
        var samlResponse = HiddenInput(html, "SAMLResponse")
            ?? throw new InvalidOperationException($"SimpleSAMLphp returned no SAMLResponse form ({(int)posted.StatusCode}):\n{html}\n{Log}");
        var action = FormAction().Match(html);
        return new PostedSamlResponse(
            new Uri(WebUtility.HtmlDecode(action.Groups[1].Value)),
            samlResponse,
            HiddenInput(html, "RelayState"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        Certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Confide test IdP", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
    }

    private void WriteConfiguration(SamlServiceProvider sp)
    {
        string Dir(string name) => Directory.CreateDirectory(Path.Combine(_directory, name)).FullName + "/";
        var config = Dir("config");
        var metadata = Dir("metadata");
        var cert = Dir("cert");
        File.WriteAllText(Path.Combine(cert, "idp.pem"), Certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(cert, "idp.crt"), Certificate.ExportCertificatePem());

        File.WriteAllText(Path.Combine(config, "config.php"), $$"""
            <?php
            $config = [
                'baseurlpath' => {{Php(BaseUrl.AbsoluteUri)}},
                'certdir' => {{Php(cert)}},
                'loggingdir' => {{Php(Dir("log"))}},
                'datadir' => {{Php(Dir("data"))}},
                'tempdir' => {{Php(Dir("tmp"))}},
                'metadatadir' => {{Php(metadata)}},
                'secretsalt' => {{Php(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)))}},
                'auth.adminpassword' => {{Php(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)))}},
                'technicalcontact_name' => 'Confide tests',
                'technicalcontact_email' => 'tests@example.com',
                'timezone' => 'UTC',
                'enable.saml20-idp' => true,
                'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => true],
                'logging.handler' => 'stderr',
                'logging.level' => SimpleSAML\Logger::WARNING,
                'session.cookie.secure' => false,
                'session.cookie.samesite' => null,
                'language.cookie.secure' => false,
                'store.type' => 'phpsession',
                'session.phpsession.savepath' => {{Php(Dir("sessions"))}},
                'metadata.sources' => [['type' => 'flatfile']],
                'production' => true,
            ];
            """);
        File.WriteAllText(Path.Combine(config, "authsources.php"), $$"""
            <?php
            $config = [
                'admin' => ['core:AdminPassword'],
                'example-userpass' => [
                    'exampleauth:UserPass',
                    {{Php(Username + ":" + Password)}} => [
                        'uid' => [{{Php(Username)}}],
                        'email' => [{{Php(Email)}}],
                        'name' => [{{Php(DisplayName)}}],
                    ],
                ],
            ];
            """);
        File.WriteAllText(Path.Combine(metadata, "saml20-idp-hosted.php"), """
            <?php
            $metadata['__DYNAMIC:1__'] = [
                'host' => '__DEFAULT__',
                'privatekey' => 'idp.pem',
                'certificate' => 'idp.crt',
                'auth' => 'example-userpass',
                'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
                'simplesaml.nameidattribute' => 'email',
                'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
            ];
            """);
        File.WriteAllText(Path.Combine(metadata, "saml20-sp-remote.php"), $$"""
            <?php
            $metadata[{{Php(sp.EntityId)}}] = [
                'AssertionConsumerService' => {{Php(sp.AssertionConsumerServiceUrl.AbsoluteUri)}},
                'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
                'simplesaml.nameidattribute' => 'email',
                'saml20.sign.response' => true,
                'saml20.sign.assertion' => true,
            ];
            """);
    }

    private async Task RunAsync(string php)
    {
        var info = new ProcessStartInfo(php)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-S", $"{BaseUrl.Host}:{BaseUrl.Port}", "-t", WwwDirectory })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SIMPLESAMLPHP_CONFIG_DIR"] = Path.Combine(_directory, "config");
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(MetadataUrl);
                var body = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode && body.Contains("EntityDescriptor", StringComparison.Ordinal))
                {
                    MetadataXml = body;
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail($"SimpleSAMLphp did not serve its metadata at {MetadataUrl}:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    /// <summary>A single-quoted PHP string literal.</summary>
    private static string Php(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static string? HiddenInput(string html, string name)
    {
        var match = Regex.Match(html, $"""name="{Regex.Escape(name)}"\s+value="([^"]*)"|value="([^"]*)"\s+name="{Regex.Escape(name)}" """.TrimEnd());
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value) : null;
    }

    [GeneratedRegex("""<form[^>]*action="([^"]*)"[^>]*>""", RegexOptions.Singleline)]
    private static partial Regex FormAction();

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>What the IdP's auto-submitting form would POST: the ACS URL, the SAMLResponse and RelayState.</summary>
public sealed record PostedSamlResponse(Uri Action, string SamlResponse, string? RelayState);
