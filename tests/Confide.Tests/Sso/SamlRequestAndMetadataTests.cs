using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Web;
using System.Xml;
using Confide.Identity.Sso.Saml;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Sso;

public sealed class SamlRequestAndMetadataTests
{
    private static readonly SamlServiceProvider Sp = new("https://sp.confide.test/saml", new Uri("https://sp.confide.test/sso/saml/acs"));

    [Fact]
    public void AuthnRequest_IsDeflatedIntoTheRedirectUrl_WithARandomIdAndRelayState()
    {
        using var certificate = NewCertificate();
        var idp = new SamlIdentityProvider("https://idp.example/metadata", new Uri("https://idp.example/sso?tenant=7"), [certificate]);
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));

        var request = SamlAuthnRequest.Create(Sp, idp, time, relayState: "/inbox");
        var other = SamlAuthnRequest.Create(Sp, idp, time);

        Assert.Matches("^_[0-9a-f]{32}$", request.RequestId);
        Assert.NotEqual(request.RequestId, other.RequestId);
        Assert.StartsWith("https://idp.example/sso?tenant=7&SAMLRequest=", request.RedirectUrl.AbsoluteUri, StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(request.RedirectUrl.Query);
        Assert.Equal("/inbox", query["RelayState"]);
        Assert.Null(HttpUtility.ParseQueryString(other.RedirectUrl.Query)["RelayState"]);

        using var inflate = new DeflateStream(new MemoryStream(Convert.FromBase64String(query["SAMLRequest"]!)), CompressionMode.Decompress);
        using var reader = new StreamReader(inflate, Encoding.UTF8);
        var xml = new XmlDocument();
        xml.LoadXml(reader.ReadToEnd());
        var root = xml.DocumentElement!;
        Assert.Equal(("AuthnRequest", "urn:oasis:names:tc:SAML:2.0:protocol"), (root.LocalName, root.NamespaceURI));
        Assert.Equal(request.RequestId, root.GetAttribute("ID"));
        Assert.Equal("2.0", root.GetAttribute("Version"));
        Assert.Equal("2030-01-02T03:04:05Z", root.GetAttribute("IssueInstant"));
        Assert.Equal("https://idp.example/sso?tenant=7", root.GetAttribute("Destination"));
        Assert.Equal(Sp.AssertionConsumerServiceUrl.AbsoluteUri, root.GetAttribute("AssertionConsumerServiceURL"));
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", root.GetAttribute("ProtocolBinding"));
        Assert.Equal(Sp.EntityId, root["Issuer", "urn:oasis:names:tc:SAML:2.0:assertion"]!.InnerText);
    }

    [Fact]
    public void SpMetadata_AsksForSignedAssertionsPostedToTheAcs()
    {
        var xml = new XmlDocument();
        xml.LoadXml(SamlMetadata.WriteServiceProvider(Sp));
        var ns = new XmlNamespaceManager(xml.NameTable);
        ns.AddNamespace("md", "urn:oasis:names:tc:SAML:2.0:metadata");

        Assert.Equal(Sp.EntityId, xml.DocumentElement!.GetAttribute("entityID"));
        var descriptor = (XmlElement)xml.SelectSingleNode("/md:EntityDescriptor/md:SPSSODescriptor", ns)!;
        Assert.Equal("false", descriptor.GetAttribute("AuthnRequestsSigned"));
        Assert.Equal("true", descriptor.GetAttribute("WantAssertionsSigned"));
        Assert.Equal("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", descriptor["NameIDFormat", ns.LookupNamespace("md")!]!.InnerText);
        var acs = (XmlElement)descriptor.SelectSingleNode("md:AssertionConsumerService", ns)!;
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", acs.GetAttribute("Binding"));
        Assert.Equal(Sp.AssertionConsumerServiceUrl.AbsoluteUri, acs.GetAttribute("Location"));
    }

    [Fact]
    public void IdpMetadata_WithTwoSigningKeys_ReadsBoth_AndIgnoresEncryptionKeys()
    {
        using var current = NewCertificate();
        using var next = NewCertificate();
        using var encryption = NewCertificate();
        var idp = SamlMetadata.ParseIdentityProvider(IdpMetadata(
            KeyDescriptor(current, "signing") + KeyDescriptor(next, null) + KeyDescriptor(encryption, "encryption")));

        Assert.Equal("https://idp.example/metadata", idp.EntityId);
        Assert.Equal(new Uri("https://idp.example/sso"), idp.SingleSignOnUrl);
        Assert.Equal([current.Thumbprint, next.Thumbprint], idp.SigningCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void IdpMetadata_WithoutSigningKeyOrRedirectEndpoint_OrWithADoctype_IsRefused()
    {
        using var encryption = NewCertificate();
        using var signing = NewCertificate();

        Assert.Equal(SamlFailure.InvalidMetadata, Assert.Throws<SamlException>(() =>
            SamlMetadata.ParseIdentityProvider(IdpMetadata(KeyDescriptor(encryption, "encryption")))).Reason);
        Assert.Equal(SamlFailure.InvalidMetadata, Assert.Throws<SamlException>(() =>
            SamlMetadata.ParseIdentityProvider(IdpMetadata(KeyDescriptor(signing, "signing")).Replace("HTTP-Redirect", "HTTP-POST", StringComparison.Ordinal))).Reason);
        Assert.Equal(SamlFailure.DtdProhibited, Assert.Throws<SamlException>(() =>
            SamlMetadata.ParseIdentityProvider("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + IdpMetadata(KeyDescriptor(signing, "signing")))).Reason);
    }

    private static string IdpMetadata(string keyDescriptors) => $"""
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example/metadata">
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            {keyDescriptors}
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso-post"/>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """;

    private static string KeyDescriptor(X509Certificate2 certificate, string? use) =>
        $"""<md:KeyDescriptor{(use is null ? "" : $" use=\"{use}\"")}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{Convert.ToBase64String(certificate.RawData, Base64FormattingOptions.InsertLineBreaks)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>""";

    private static X509Certificate2 NewCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Test IdP", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
    }
}
