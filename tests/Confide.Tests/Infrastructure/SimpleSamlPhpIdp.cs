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
/// can also forge responses with the IdP's own key). It knows the SPs passed to
/// <see cref="StartAsync"/> and <see cref="AddServiceProvider"/>, and the users added with
/// <see cref="AddUser"/> besides alice (SimpleSAMLphp reads both files on every request). With
/// <c>https</c> it is served through a <see cref="TlsTunnel"/>, as Confide's connection settings
/// require an https SSO URL. There is no skipping: scripts/test.sh installs SimpleSAMLphp, and a
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
    private readonly int _phpPort;
    private readonly TlsTunnel? _tunnel;
    private readonly List<SamlServiceProvider> _serviceProviders = [];
    private readonly Dictionary<string, (string Email, string Name)> _users = new(StringComparer.Ordinal) { [Username] = (Email, DisplayName) };
    private Process? _process;

    private SimpleSamlPhpIdp(string directory, int phpPort, X509Certificate2 certificate, TlsTunnel? tunnel)
    {
        _directory = directory;
        _phpPort = phpPort;
        _tunnel = tunnel;
        BaseUrl = new Uri(tunnel is null ? $"http://127.0.0.1:{phpPort}/" : $"https://127.0.0.1:{tunnel.Port}/");
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

    /// <summary>Whether a TLS certificate is the one this IdP serves (over https).</summary>
    public bool Trusts(X509Certificate? certificate) => _tunnel?.Trusts(certificate) ?? false;

    public static async Task<SimpleSamlPhpIdp> StartAsync(SamlServiceProvider? sp = null, bool https = false)
    {
        var php = FindOnPath("php");
        if (php is null || !File.Exists(Path.Combine(WwwDirectory, "index.php")))
        {
            Assert.Fail("SimpleSAMLphp is not installed (Debian packages simplesamlphp php-cli php-xml php-mbstring php-curl php-intl; scripts/test.sh installs them).");
        }

        var directory = Directory.CreateTempSubdirectory("confide-simplesamlphp-").FullName;
        var phpPort = FreePorts.Next();
        var idp = new SimpleSamlPhpIdp(directory, phpPort, CreateCertificate(), https ? new TlsTunnel(phpPort) : null);
        try
        {
            if (sp is not null)
            {
                idp._serviceProviders.Add(sp);
            }

            idp.WriteConfiguration();
            await idp.RunAsync(php!);
            return idp;
        }
        catch
        {
            await idp.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers another SP (its entity id and ACS URL) with the running IdP.</summary>
    public void AddServiceProvider(SamlServiceProvider sp)
    {
        lock (_serviceProviders)
        {
            _serviceProviders.Add(sp);
            WriteServiceProviders();
        }
    }

    /// <summary>Adds a user who logs in with <see cref="Password"/>, with these email and name attributes.</summary>
    public void AddUser(string username, string email, string name)
    {
        lock (_users)
        {
            _users[username] = (email, name);
            WriteUsers();
        }
    }

    /// <summary>
    /// Follows the AuthnRequest redirect like a browser, logs in on SimpleSAMLphp's form and returns
    /// what its auto-submitting form would POST to the ACS.
    /// </summary>
    public async Task<PostedSamlResponse> LogInAsync(Uri authnRequestRedirect, string username = Username, string? password = null)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true };
        handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => errors == System.Net.Security.SslPolicyErrors.None || Trusts(certificate);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        return await LogInAsync(client, authnRequestRedirect, username, password);
    }

    /// <summary>
    /// The same in a caller's browser (its cookies; redirects followed here if it does not): when
    /// the browser already has a session at the IdP, there is no login form and the answer comes at once.
    /// </summary>
    public async Task<PostedSamlResponse> LogInAsync(HttpClient browser, Uri authnRequestRedirect, string username = Username, string? password = null)
    {
        var (page, html) = await FollowAsync(browser, new HttpRequestMessage(HttpMethod.Get, authnRequestRedirect));
        if (HiddenInput(html, "SAMLResponse") is null)
        {
            var authState = HiddenInput(html, "AuthState")
                ?? throw new InvalidOperationException($"SimpleSAMLphp showed no login form ({(int)page.StatusCode}):\n{html}\n{Log}");

            // The form posts to "?", i.e. back to the login page's own URL.
            var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["username"] = username,
                ["password"] = password ?? Password,
                ["AuthState"] = authState,
            });
            (page, html) = await FollowAsync(browser, new HttpRequestMessage(HttpMethod.Post, page.RequestMessage!.RequestUri) { Content = form });
        }

        var samlResponse = HiddenInput(html, "SAMLResponse")
            ?? throw new InvalidOperationException($"SimpleSAMLphp returned no SAMLResponse form ({(int)page.StatusCode}):\n{html}\n{Log}");
        var action = FormAction().Match(html);
        return new PostedSamlResponse(
            new Uri(WebUtility.HtmlDecode(action.Groups[1].Value)),
            samlResponse,
            HiddenInput(html, "RelayState"));
    }

    /// <summary>Sends the request and GETs each redirect after it; returns the last response (disposed) and its body.</summary>
    private static async Task<(HttpResponseMessage Response, string Html)> FollowAsync(HttpClient browser, HttpRequestMessage request)
    {
        for (var step = 0; step < 10; step++)
        {
            using var response = await browser.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode is < 300 or >= 400 || response.Headers.Location is not { } location)
            {
                return (response, body);
            }

            request.Dispose();
            request = new HttpRequestMessage(HttpMethod.Get, location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location));
        }

        throw new InvalidOperationException("SimpleSAMLphp redirected more than 10 times.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_tunnel is not null)
        {
            await _tunnel.DisposeAsync();
        }

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

    private void WriteConfiguration()
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
        WriteUsers();
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
        WriteServiceProviders();
    }

    private void WriteUsers()
    {
        var users = string.Concat(_users.Select(user => $$"""
                    {{Php(user.Key + ":" + Password)}} => [
                        'uid' => [{{Php(user.Key)}}],
                        'email' => [{{Php(user.Value.Email)}}],
                        'name' => [{{Php(user.Value.Name)}}],
                    ],

            """));
        WriteAtomically(Path.Combine(_directory, "config", "authsources.php"), $$"""
            <?php
            $config = [
                'admin' => ['core:AdminPassword'],
                'example-userpass' => [
                    'exampleauth:UserPass',
            {{users}}    ],
            ];
            """);
    }

    private void WriteServiceProviders()
    {
        var entries = string.Concat(_serviceProviders.Select(sp => $$"""
            $metadata[{{Php(sp.EntityId)}}] = [
                'AssertionConsumerService' => {{Php(sp.AssertionConsumerServiceUrl.AbsoluteUri)}},
                'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
                'simplesaml.nameidattribute' => 'email',
                'saml20.sign.response' => true,
                'saml20.sign.assertion' => true,
            ];

            """));
        WriteAtomically(Path.Combine(_directory, "metadata", "saml20-sp-remote.php"), "<?php\n" + entries);
    }

    /// <summary>PHP reads the file on every request: never let it see half of one.</summary>
    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task RunAsync(string php)
    {
        var info = new ProcessStartInfo(php)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Without OPcache: the built-in server would otherwise keep serving a metadata or users
        // file rewritten less than opcache.revalidate_freq seconds after it was last read.
        foreach (var arg in new[] { "-d", "opcache.enable=0", "-S", $"127.0.0.1:{_phpPort}", "-t", WwwDirectory })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SIMPLESAMLPHP_CONFIG_DIR"] = Path.Combine(_directory, "config");
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var handler = new HttpClientHandler();
        handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => Trusts(certificate);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
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
