using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>Reads IdP metadata (what an administrator pastes or uploads) and writes this SP's metadata.</summary>
public static class SamlMetadata
{
    public const int MaxMetadataLength = 1024 * 1024;

    public static SamlIdentityProvider ParseIdentityProvider(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length > MaxMetadataLength)
        {
            throw new SamlException(SamlFailure.TooLarge, "The metadata is larger than accepted.");
        }

        var root = SafeXml.Load(Encoding.UTF8.GetBytes(xml)).DocumentElement!;
        if (!root.Is(SamlNames.Metadata, "EntityDescriptor") || root.AttributeOrNull("entityID") is not { Length: > 0 } entityId)
        {
            throw new SamlException(SamlFailure.InvalidMetadata, "The metadata's root is not an EntityDescriptor with an entityID.");
        }

        var idp = root.Children(SamlNames.Metadata, "IDPSSODescriptor")
            .FirstOrDefault(d => (d.AttributeOrNull("protocolSupportEnumeration") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(SamlNames.Protocol))
            ?? throw new SamlException(SamlFailure.InvalidMetadata, "The metadata has no SAML 2.0 IDPSSODescriptor.");

        var certificates = SigningCertificates(idp);
        if (certificates.Count == 0)
        {
            throw new SamlException(SamlFailure.InvalidMetadata, "The metadata names no signing certificate.");
        }

        var sso = idp.Children(SamlNames.Metadata, "SingleSignOnService")
            .FirstOrDefault(s => s.AttributeOrNull("Binding") == SamlNames.HttpRedirectBinding);
        if (!Uri.TryCreate(sso?.AttributeOrNull("Location"), UriKind.Absolute, out var ssoUrl) || ssoUrl.Scheme is not ("https" or "http"))
        {
            throw new SamlException(SamlFailure.InvalidMetadata, "The metadata has no HTTP-Redirect SingleSignOnService with an absolute URL.");
        }

        return new SamlIdentityProvider(entityId, ssoUrl, certificates);
    }

    /// <summary>Certificates of KeyDescriptors for signing (use="signing" or no use); several during a key rollover.</summary>
    private static List<X509Certificate2> SigningCertificates(XmlElement idp)
    {
        var certificates = new List<X509Certificate2>();
        foreach (var key in idp.Children(SamlNames.Metadata, "KeyDescriptor"))
        {
            if (key.AttributeOrNull("use") is { } use && use != "signing")
            {
                continue;
            }

            var encoded = key.SingleChild(SamlNames.XmlDsig, "KeyInfo")?.SingleChild(SamlNames.XmlDsig, "X509Data")?.SingleChild(SamlNames.XmlDsig, "X509Certificate")?.Text();
            if (encoded is null)
            {
                continue;
            }

            try
            {
                var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(encoded));
                if (certificates.All(c => c.Thumbprint != certificate.Thumbprint))
                {
                    certificates.Add(certificate);
                }
                else
                {
                    certificate.Dispose();
                }
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException)
            {
                throw new SamlException(SamlFailure.InvalidMetadata, "A signing certificate in the metadata is not a valid X.509 certificate.", ex);
            }
        }

        return certificates;
    }

    /// <summary>SP metadata for the IdP administrator: unsigned requests, signed assertions required, POST to the ACS, email NameID.</summary>
    public static string WriteServiceProvider(SamlServiceProvider sp)
    {
        ArgumentNullException.ThrowIfNull(sp);
        var output = new StringBuilder();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            writer.WriteStartElement("md", "EntityDescriptor", SamlNames.Metadata);
            writer.WriteAttributeString("entityID", sp.EntityId);
            writer.WriteStartElement("md", "SPSSODescriptor", SamlNames.Metadata);
            writer.WriteAttributeString("AuthnRequestsSigned", "false");
            writer.WriteAttributeString("WantAssertionsSigned", "true");
            writer.WriteAttributeString("protocolSupportEnumeration", SamlNames.Protocol);
            writer.WriteElementString("md", "NameIDFormat", SamlNames.Metadata, SamlNames.EmailAddressNameIdFormat);
            writer.WriteStartElement("md", "AssertionConsumerService", SamlNames.Metadata);
            writer.WriteAttributeString("Binding", SamlNames.HttpPostBinding);
            writer.WriteAttributeString("Location", sp.AssertionConsumerServiceUrl.AbsoluteUri);
            writer.WriteAttributeString("index", "0");
            writer.WriteAttributeString("isDefault", "true");
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return output.ToString();
    }
}
