using System.Net.Security;
using System.Security.Authentication;

namespace Confide.Server.Hosting;

/// <summary>
/// The TLS settings of every HTTPS endpoint, pinned here rather than inherited from the
/// operating system's OpenSSL configuration: TLS 1.2 and 1.3 only, and only forward-secret
/// AEAD suites (ECDHE key exchange; AES-GCM or ChaCha20-Poly1305). No CBC, no RSA key exchange.
/// </summary>
public static class TlsPolicy
{
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The offered suites, strongest first (TLS 1.3, then TLS 1.2 ECDHE with ECDSA or RSA certificates).</summary>
    public static readonly IReadOnlyList<TlsCipherSuite> CipherSuites =
    [
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];

    /// <summary>Applies the protocols and (where the platform supports a suite policy: Linux, macOS) the suites to one handshake.</summary>
    public static void Apply(SslServerAuthenticationOptions options)
    {
        options.EnabledSslProtocols = Protocols;
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            options.CipherSuitesPolicy = new CipherSuitesPolicy(CipherSuites);
        }
    }
}
