using System.Security.Cryptography.Xml;
using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// SignedXml that resolves a reference to exactly one element: the one whose own child the
/// signature is. The default lookup takes the first element in the document with a matching
/// Id/ID attribute, which is what signature-wrapping attacks exploit.
/// </summary>
internal sealed class StrictSignedXml : SignedXml
{
    private readonly XmlElement _signedElement;
    private readonly string _signedId;

    public StrictSignedXml(XmlElement signedElement, string signedId)
        : base(signedElement)
    {
        _signedElement = signedElement;
        _signedId = signedId;
    }

    public override XmlElement? GetIdElement(XmlDocument? document, string idValue) =>
        document == _signedElement.OwnerDocument && idValue == _signedId ? _signedElement : null;
}
