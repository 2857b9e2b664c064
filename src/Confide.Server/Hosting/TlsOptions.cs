namespace Confide.Server.Hosting;

/// <summary>
/// Certificate for the HTTPS endpoints (<c>Confide:Tls</c>): PEM files or a PKCS#12 file, reloaded
/// when they change. Without a configured certificate, a local CA and a server certificate for
/// localhost are created under the data directory.
/// </summary>
public sealed class TlsOptions
{
    public const string Section = "Confide:Tls";

    /// <summary>PEM certificate (chain) file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file for <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>PKCS#12 (.pfx/.p12) file with the certificate, its private key and chain; instead of the PEM files.</summary>
    public string? Pkcs12Path { get; set; }

    /// <summary>Password of <see cref="Pkcs12Path"/>, if it has one.</summary>
    public string? Pkcs12Password { get; set; }

    /// <summary>Adds <c>preload</c> to the Strict-Transport-Security header (only once the domain is ready for the browsers' preload lists).</summary>
    public bool HstsPreload { get; set; }

    /// <summary>Largest accepted request body in bytes (default 1 MiB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
