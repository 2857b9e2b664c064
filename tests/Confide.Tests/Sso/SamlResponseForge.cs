using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace Confide.Tests.Sso;

/// <summary>
/// Edits a real SimpleSAMLphp response and re-signs it, the way an attacker (or, with the IdP's
/// own key, a misbehaving IdP) would, to build the corpus of responses the validator must refuse.
/// </summary>
public sealed class SamlResponseForge
{
    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Saml = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Dsig = "http://www.w3.org/2000/09/xmldsig#";
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";

    public SamlResponseForge(string base64Response)
    {
        Document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        Document.LoadXml(Encoding.UTF8.GetString(Convert.FromBase64String(base64Response)));
    }

    public XmlDocument Document { get; }

    public XmlElement Response => Document.DocumentElement!;

    public XmlElement Assertion => Element(Saml, "Assertion");

    public XmlElement Element(string ns, string localName) =>
        Document.GetElementsByTagName(localName, ns).Cast<XmlElement>().Single();

    public static XmlElement? SignatureOf(XmlElement element) =>
        element.ChildNodes.OfType<XmlElement>().SingleOrDefault(e => e.LocalName == "Signature" && e.NamespaceURI == Dsig);

    public XmlElement NewElement(string prefix, string localName, string ns) => Document.CreateElement(prefix, localName, ns);

    public SamlResponseForge RemoveResponseSignature()
    {
        if (SignatureOf(Response) is { } signature)
        {
            Response.RemoveChild(signature);
        }

        return this;
    }

    public SamlResponseForge RemoveAssertionSignature()
    {
        if (SignatureOf(Assertion) is { } signature)
        {
            Assertion.RemoveChild(signature);
        }

        return this;
    }

    public SamlResponseForge RemoveSignatures() => RemoveResponseSignature().RemoveAssertionSignature();

    /// <summary>Drops both signatures and signs the assertion (and, unless told not to, the response) again.</summary>
    public SamlResponseForge Resign(X509Certificate2 certificate, string signatureMethod = RsaSha256, string digestMethod = Sha256, bool signResponse = true)
    {
        RemoveSignatures();
        Sign(Assertion, certificate, signatureMethod, digestMethod);
        if (signResponse)
        {
            Sign(Response, certificate, signatureMethod, digestMethod);
        }

        return this;
    }

    /// <summary>Signs one element the way SimpleSAMLphp does: enveloped, exclusive C14N, signature right after the Issuer.</summary>
    public SamlResponseForge Sign(
        XmlElement element,
        X509Certificate2 certificate,
        string signatureMethod = RsaSha256,
        string digestMethod = Sha256,
        bool withComments = false,
        bool includeKeyInfo = true)
    {
        var signedXml = new SignedXml(element) { SigningKey = certificate.GetRSAPrivateKey() };
        signedXml.SignedInfo!.SignatureMethod = signatureMethod;
        signedXml.SignedInfo.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        var reference = new Reference("#" + element.GetAttribute("ID")) { DigestMethod = digestMethod };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(withComments ? new XmlDsigExcC14NWithCommentsTransform() : new XmlDsigExcC14NTransform());
        signedXml.AddReference(reference);
        if (includeKeyInfo)
        {
            var keyInfo = new KeyInfo();
            keyInfo.AddClause(new KeyInfoX509Data(certificate));
            signedXml.KeyInfo = keyInfo;
        }

        signedXml.ComputeSignature();
        var signature = Document.ImportNode(signedXml.GetXml(), deep: true);
        var issuer = element.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer");
        element.InsertAfter(signature, issuer);
        return this;
    }

    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes(Document.OuterXml));

    public static X509Certificate2 OtherCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Not the IdP", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
    }
}
