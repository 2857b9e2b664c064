namespace Confide.Identity.Sso.Saml;

/// <summary>Namespaces, bindings and formats of SAML 2.0 and XML-DSig used by the service provider.</summary>
internal static class SamlNames
{
    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Metadata = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string XmlDsig = "http://www.w3.org/2000/09/xmldsig#";

    public const string HttpRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
    public const string HttpPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    public const string EmailAddressNameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    public const string StatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
    public const string BearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
}
