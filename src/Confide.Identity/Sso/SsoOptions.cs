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

    /// <summary>
    /// Private or local networks (CIDR) identity providers may be reached on. Empty by default:
    /// the backchannel then calls only public addresses (<see cref="Oidc.BackchannelAddressPolicy"/>).
    /// </summary>
    public IList<string> AllowedPrivateNetworks { get; set; } = [];

    /// <summary>The parsed <see cref="AllowedPrivateNetworks"/>; a malformed entry fails at start.</summary>
    public IReadOnlyList<System.Net.IPNetwork> ParseAllowedPrivateNetworks() =>
        [.. AllowedPrivateNetworks.Select(text => System.Net.IPNetwork.TryParse(text.Trim(), out var network)
            ? network
            : throw new InvalidOperationException($"Confide:Sso:AllowedPrivateNetworks: '{text}' is not a CIDR range."))];

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
