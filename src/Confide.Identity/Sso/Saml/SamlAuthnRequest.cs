using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// An SP-initiated AuthnRequest for the HTTP-Redirect binding. The caller keeps
/// <see cref="RequestId"/> (in a protected correlation cookie) and passes it to the validator as
/// the expected InResponseTo; it is what makes a response belong to this browser.
/// </summary>
public sealed record SamlAuthnRequest(string RequestId, Uri RedirectUrl)
{
    public static SamlAuthnRequest Create(SamlServiceProvider sp, SamlIdentityProvider idp, TimeProvider time, string? relayState = null)
    {
        ArgumentNullException.ThrowIfNull(sp);
        ArgumentNullException.ThrowIfNull(idp);
        ArgumentNullException.ThrowIfNull(time);

        // xs:ID must not start with a digit; 128 random bits make it unguessable.
        var id = "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var xml = new StringBuilder();
        using (var writer = XmlWriter.Create(xml, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            writer.WriteStartElement("samlp", "AuthnRequest", SamlNames.Protocol);
            writer.WriteAttributeString("xmlns", "saml", null, SamlNames.Assertion);
            writer.WriteAttributeString("ID", id);
            writer.WriteAttributeString("Version", "2.0");
            writer.WriteAttributeString("IssueInstant", time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            writer.WriteAttributeString("Destination", idp.SingleSignOnUrl.AbsoluteUri);
            writer.WriteAttributeString("AssertionConsumerServiceURL", sp.AssertionConsumerServiceUrl.AbsoluteUri);
            writer.WriteAttributeString("ProtocolBinding", SamlNames.HttpPostBinding);
            writer.WriteElementString("saml", "Issuer", SamlNames.Assertion, sp.EntityId);
            writer.WriteStartElement("samlp", "NameIDPolicy", SamlNames.Protocol);
            writer.WriteAttributeString("Format", SamlNames.EmailAddressNameIdFormat);
            writer.WriteAttributeString("AllowCreate", "true");
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        var query = new StringBuilder("SAMLRequest=").Append(Uri.EscapeDataString(Deflate(xml.ToString())));
        if (!string.IsNullOrEmpty(relayState))
        {
            query.Append("&RelayState=").Append(Uri.EscapeDataString(relayState));
        }

        var sso = idp.SingleSignOnUrl.AbsoluteUri;
        var separator = idp.SingleSignOnUrl.Query.Length > 0 ? "&" : "?";
        return new SamlAuthnRequest(id, new Uri(sso + separator + query));
    }

    /// <summary>The binding's encoding: raw DEFLATE (RFC 1951, no zlib header), then base64 (SAML bindings 3.4.4.1).</summary>
    private static string Deflate(string xml)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal))
        {
            deflate.Write(Encoding.UTF8.GetBytes(xml));
        }

        return Convert.ToBase64String(buffer.ToArray());
    }
}
