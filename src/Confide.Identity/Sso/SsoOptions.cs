using System.Security.Cryptography.X509Certificates;

namespace Confide.Identity.Sso;

/// <summary>Single sign-on settings of the whole installation (bound from <c>Confide:Sso</c>); each workspace's own connection is in the database.</summary>
public sealed class SsoOptions
{
    public const string Section = "Confide:Sso";

    /// <summary>
    /// A PEM file of extra certificate authorities trusted, besides the system store, for calls to
    /// identity providers (discovery, keys, token, userinfo): for providers behind a private CA.
    /// </summary>
    public string? ExtraTrustedCaFile { get; set; }

    /// <summary>The extra CAs, read once; an unreadable file fails at start rather than at the first sign-in.</summary>
    public X509Certificate2Collection LoadExtraTrustedCas()
    {
        var cas = new X509Certificate2Collection();
        if (ExtraTrustedCaFile is { Length: > 0 } file)
        {
            cas.ImportFromPemFile(file);
            if (cas.Count == 0)
            {
                throw new InvalidOperationException("Confide:Sso:ExtraTrustedCaFile contains no certificate.");
            }
        }

        return cas;
    }
}
