using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Confide.Server.Hosting;

/// <summary>
/// The HTTPS certificate with its chain, reloaded when its files change: PEM certificate (chain)
/// and key, a PKCS#12 file, or the embedded mode's local-CA certificate. New handshakes see a
/// replaced certificate within <see cref="CheckInterval"/>; open connections keep theirs. A
/// half-written or broken replacement is ignored (the previous certificate stays) until the
/// files load again.
/// </summary>
public sealed class ServerCertificateSource
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly Func<X509Certificate2Collection> _load;
    private readonly string[] _files;
    private readonly TimeProvider _time;
    private readonly Lock _reloading = new();
    private volatile Loaded _current;
    private long _nextCheck;

    private ServerCertificateSource(Func<X509Certificate2Collection> load, string[] files, TimeProvider time)
    {
        _load = load;
        _files = files;
        _time = time;
        _current = Load();
    }

    /// <summary>The leaf certificate loaded at start (Kestrel requires one to enable HTTPS).</summary>
    public X509Certificate2 Initial => _current.Leaf;

    /// <summary>The certificate context for the next handshake, reloaded first if its files changed.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            var now = _time.GetTimestamp();
            if (now >= Interlocked.Read(ref _nextCheck))
            {
                Interlocked.Exchange(ref _nextCheck, now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency));
                ReloadIfChanged();
            }

            return _current.Context;
        }
    }

    public static ServerCertificateSource Create(TlsOptions tls, LocalCertificateAuthority authority, TimeProvider time)
    {
        if (tls.CertificatePath is { Length: > 0 } && tls.Pkcs12Path is { Length: > 0 })
        {
            throw new InvalidOperationException("Configure either Confide:Tls:CertificatePath (PEM) or Confide:Tls:Pkcs12Path, not both.");
        }

        if (tls.Pkcs12Path is { Length: > 0 } pkcs12)
        {
            return new(() => X509CertificateLoader.LoadPkcs12CollectionFromFile(pkcs12, tls.Pkcs12Password), [pkcs12], time);
        }

        if (tls.CertificatePath is { Length: > 0 } certificate)
        {
            var key = tls.KeyPath is { Length: > 0 } k ? k : throw new InvalidOperationException("Confide:Tls:KeyPath is required with Confide:Tls:CertificatePath.");
            return new(() => LoadPem(certificate, key), [certificate, key], time);
        }

        authority.LoadOrCreateServerCertificate().Dispose();
        return new(() => LoadPem(authority.ServerCertificatePath, authority.ServerKeyPath), [authority.ServerCertificatePath, authority.ServerKeyPath], time);
    }

    private static X509Certificate2Collection LoadPem(string certificatePath, string keyPath)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificatePath);
        var leaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        chain[0].Dispose();
        chain[0] = leaf;
        return chain;
    }

    private void ReloadIfChanged()
    {
        lock (_reloading)
        {
            if (Stamp() == _current.Stamp)
            {
                return;
            }

            try
            {
                _current = Load();
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException or InvalidOperationException)
            {
                // Half-written or mismatched files: keep serving the previous certificate.
            }
        }
    }

    private Loaded Load()
    {
        var stamp = Stamp();
        var certificates = _load();
        var leaf = certificates.FirstOrDefault(c => c.HasPrivateKey) ?? throw new InvalidOperationException("The TLS certificate files contain no certificate with its private key.");
        var others = new X509Certificate2Collection(certificates.Where(c => !ReferenceEquals(c, leaf)).ToArray());
        return new(leaf, SslStreamCertificateContext.Create(leaf, others, offline: true), stamp);
    }

    private string Stamp() => string.Join('|', _files.Select(f =>
    {
        var info = new FileInfo(f);
        return info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "-";
    }));

    private sealed record Loaded(X509Certificate2 Leaf, SslStreamCertificateContext Context, string Stamp);
}
