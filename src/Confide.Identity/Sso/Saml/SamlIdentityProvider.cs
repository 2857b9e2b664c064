using System.Security.Cryptography.X509Certificates;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// The IdP a workspace trusts. Signatures are checked against <see cref="SigningCertificates"/>
/// only (two during a key rollover); a certificate inside a response is never trusted by itself.
/// </summary>
public sealed record SamlIdentityProvider(string EntityId, Uri SingleSignOnUrl, IReadOnlyList<X509Certificate2> SigningCertificates);
