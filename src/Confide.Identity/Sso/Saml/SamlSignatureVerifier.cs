using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// Verifies an enveloped XML signature over one element, with the defences against signature
/// wrapping: the signature is an immediate child of the element, its one Reference points at that
/// element's ID, the ID is unique in the document (checked by the caller), the reference resolves
/// to that very element object, and only the configured certificates are trusted.
/// </summary>
internal static class SamlSignatureVerifier
{
    private const string EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    private const string ExclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";

    // RSA with SHA-2 only. SHA-1 is refused; ECDSA is not wired into SignedXml's default algorithm table.
    private static readonly HashSet<string> SignatureMethods = new(StringComparer.Ordinal)
    {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    };

    private static readonly HashSet<string> DigestMethods = new(StringComparer.Ordinal)
    {
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    };

    /// <summary>The element's own ds:Signature child, or null. Two signatures on one element are refused.</summary>
    public static XmlElement? SignatureOf(XmlElement element)
    {
        var signatures = element.Children(SamlNames.XmlDsig, "Signature").ToList();
        return signatures.Count switch
        {
            0 => null,
            1 => signatures[0],
            _ => throw new SamlException(SamlFailure.SignatureWrapping, $"{element.LocalName} has more than one Signature."),
        };
    }

    public static void Verify(XmlElement signedElement, XmlElement signature, IReadOnlyList<X509Certificate2> trusted)
    {
        var id = signedElement.AttributeOrNull("ID");
        if (string.IsNullOrEmpty(id))
        {
            throw new SamlException(SamlFailure.SignatureWrapping, $"The signed {signedElement.LocalName} has no ID.");
        }

        if (signature.ParentNode != signedElement)
        {
            throw new SamlException(SamlFailure.SignatureWrapping, "The signature is not a child of the element it is checked for.");
        }

        var signedXml = new StrictSignedXml(signedElement, id);
        try
        {
            signedXml.LoadXml(signature);
        }
        catch (CryptographicException ex)
        {
            throw new SamlException(SamlFailure.Malformed, "The Signature element is malformed.", ex);
        }

        var signedInfo = signedXml.SignedInfo!;
        if (signedInfo.References.Count != 1 || signedInfo.References[0] is not Reference reference)
        {
            throw new SamlException(SamlFailure.SignatureWrapping, "The signature must have exactly one Reference.");
        }

        if (reference.Uri != "#" + id)
        {
            throw new SamlException(SamlFailure.SignatureWrapping, $"The signature's Reference does not point at the {signedElement.LocalName} that contains it.");
        }

        if (signedInfo.SignatureMethod is null || !SignatureMethods.Contains(signedInfo.SignatureMethod))
        {
            throw new SamlException(SamlFailure.WeakAlgorithm, "The signature algorithm is not accepted (RSA with SHA-256/384/512 only).");
        }

        if (reference.DigestMethod is null || !DigestMethods.Contains(reference.DigestMethod))
        {
            throw new SamlException(SamlFailure.WeakAlgorithm, "The digest algorithm is not accepted (SHA-256/384/512 only).");
        }

        if (signedInfo.CanonicalizationMethod != ExclusiveC14N)
        {
            throw new SamlException(SamlFailure.DisallowedTransform, "The canonicalization method is not exclusive C14N without comments.");
        }

        foreach (Transform transform in reference.TransformChain)
        {
            if (transform.Algorithm is not (EnvelopedSignature or ExclusiveC14N))
            {
                throw new SamlException(SamlFailure.DisallowedTransform, "The reference uses a transform other than enveloped-signature and exclusive C14N.");
            }
        }

        if (trusted.Any(certificate => Verifies(signedXml, certificate)))
        {
            return;
        }

        // Only to name the failure: a signature that verifies with the certificate it carries was made by someone else's key.
        var embedded = signedXml.KeyInfo.OfType<KeyInfoX509Data>().SelectMany(data => data.Certificates?.OfType<X509Certificate2>() ?? []);
        throw embedded.Any(certificate => Verifies(signedXml, certificate))
            ? new SamlException(SamlFailure.UntrustedCertificate, "The signature was made with a certificate that is not the IdP's.")
            : new SamlException(SamlFailure.SignatureInvalid, "The signature does not verify.");
    }

    private static bool Verifies(SignedXml signedXml, X509Certificate2 certificate)
    {
        try
        {
            // verifySignatureOnly: trust comes from configuration, not from a chain to some root.
            return signedXml.CheckSignature(certificate, verifySignatureOnly: true);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
