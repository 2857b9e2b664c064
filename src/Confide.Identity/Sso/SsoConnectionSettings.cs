using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confide.Data.Model;
using Confide.Platform;

namespace Confide.Identity.Sso;

/// <summary>What <c>PUT /confide/sso_connection</c> accepts (write-only <see cref="ClientSecret"/>).</summary>
public sealed record SsoConnectionInput(
    string? Protocol,
    string? Issuer,
    string? ClientId,
    string? ClientSecret,
    string? IdpEntityId,
    string? SsoUrl,
    string[]? SigningCertificates,
    string? EmailAttribute,
    string? NameAttribute,
    bool? JustInTimeProvisioning,
    string? DefaultRole,
    string[]? AllowedEmailDomains);

/// <summary>
/// A connection's settings once checked: every field of the protocol present and well-formed,
/// URLs absolute https, certificates parsed and unexpired, domains normalised. Anything wrong is
/// a <c>parameter_invalid</c> / <c>parameter_not_found</c> naming the field, never a 500. (The
/// default role is checked against the workspace's roles by the endpoint.)
/// </summary>
public sealed record SsoConnectionSettings(
    string Protocol,
    string? Issuer,
    string? ClientId,
    string? ClientSecret,
    string? IdpEntityId,
    string? SsoUrl,
    IReadOnlyList<string>? SigningCertificatesPem,
    string EmailAttribute,
    string NameAttribute,
    bool JustInTimeProvisioning,
    string DefaultRole,
    IReadOnlyList<string> AllowedEmailDomains)
{
    public const string DefaultEmailAttribute = "email";
    public const string DefaultNameAttribute = "name";

    public static SsoConnectionSettings From(SsoConnectionInput input, DateTimeOffset now)
    {
        var protocol = input.Protocol?.Trim() ?? throw Missing("protocol");
        if (!SsoProtocols.IsValid(protocol))
        {
            throw Invalid("protocol must be 'oidc' or 'saml'");
        }

        var (domains, badDomain) = SsoEmailDomains.Normalise(input.AllowedEmailDomains ?? []);
        if (domains is null)
        {
            throw Invalid($"allowed_email_domains: '{Clip(badDomain!)}' is not a domain name");
        }

        if (domains.Count > SsoEmailDomains.MaxCount)
        {
            throw Invalid($"allowed_email_domains can list at most {SsoEmailDomains.MaxCount} domains");
        }

        var common = new SsoConnectionSettings(
            protocol, null, null, null, null, null, null,
            Attribute(input.EmailAttribute, "email_attribute", DefaultEmailAttribute),
            Attribute(input.NameAttribute, "name_attribute", DefaultNameAttribute),
            input.JustInTimeProvisioning ?? false,
            input.DefaultRole?.Trim() is { Length: > 0 } role ? role : TeammateRoles.Agent,
            domains);
        return protocol == SsoProtocols.Oidc
            ? common with
            {
                Issuer = HttpsUrl(input.Issuer, "issuer", allowQuery: false),
                ClientId = Text(input.ClientId, "client_id", 255) ?? throw Missing("client_id"),
                ClientSecret = input.ClientSecret is null ? null : Text(input.ClientSecret, "client_secret", 1024),
            }
            : common with
            {
                IdpEntityId = Text(input.IdpEntityId, "idp_entity_id", 1024) ?? throw Missing("idp_entity_id"),
                SsoUrl = HttpsUrl(input.SsoUrl, "sso_url", allowQuery: true),
                SigningCertificatesPem = Certificates(input.SigningCertificates, now),
            };
    }

    private static string HttpsUrl(string? value, string field, bool allowQuery)
    {
        var text = value?.Trim() ?? throw Missing(field);
        if (text.Length > 2048
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttps
            || uri.Host.Length == 0
            || uri.UserInfo.Length > 0
            || uri.Fragment.Length > 0
            || (!allowQuery && uri.Query.Length > 0))
        {
            throw Invalid($"{field} must be an absolute https URL{(allowQuery ? "" : " without a query")} and without a fragment");
        }

        return text;
    }

    private static string? Text(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        var text = value.Trim();
        if (text.Length == 0 || text.Length > maxLength || text.Any(char.IsControl))
        {
            throw Invalid($"{field} must be 1 to {maxLength} characters");
        }

        return text;
    }

    /// <summary>A claim or attribute name: printable, no spaces (SAML names are often URIs).</summary>
    private static string Attribute(string? value, string field, string fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        var text = value.Trim();
        if (text.Length is 0 or > 255 || text.Any(c => c <= ' ' || c > '~'))
        {
            throw Invalid($"{field} must be 1 to 255 printable characters without spaces");
        }

        return text;
    }

    /// <summary>One or two PEM certificates (two during the provider's key rollover), each parseable and unexpired.</summary>
    private static List<string> Certificates(string[]? pems, DateTimeOffset now)
    {
        if (pems is null || pems.Length == 0)
        {
            throw Missing("signing_certificates");
        }

        if (pems.Length > 2)
        {
            throw Invalid("signing_certificates takes one certificate, or two during a key rollover");
        }

        var normalised = new List<string>();
        for (var i = 0; i < pems.Length; i++)
        {
            var pem = pems[i]?.Trim() ?? "";
            if (pem.Length > 16_000 || CountOf(pem, "-----BEGIN CERTIFICATE-----") != 1)
            {
                throw Invalid($"signing_certificates[{i}] must be one PEM certificate (-----BEGIN CERTIFICATE-----)");
            }

            try
            {
                using var certificate = X509Certificate2.CreateFromPem(pem);
                if (certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime)
                {
                    throw Invalid($"signing_certificates[{i}] expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
                }

                normalised.Add(certificate.ExportCertificatePem());
            }
            catch (CryptographicException)
            {
                throw Invalid($"signing_certificates[{i}] is not a readable X.509 certificate");
            }
        }

        return normalised;
    }

    private static int CountOf(string text, string marker)
    {
        var count = 0;
        for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Clip(string value) => value.Length > 64 ? value[..64] + "…" : value;

    private static ConfideException Missing(string field) => new(ConfideError.ParameterMissing(field));

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
