using System.Globalization;
using System.Text;
using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>Loads untrusted XML: no DTD (so no entity expansion or external entities), no resolver, whitespace kept for signatures.</summary>
internal static class SafeXml
{
    public static XmlDocument Load(byte[] xml)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersFromEntities = 0,
            IgnoreProcessingInstructions = true,
        };
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var stream = new MemoryStream(xml, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            document.Load(reader);
        }
        catch (Exception ex) when (ex is XmlException or ArgumentException)
        {
            // ArgumentException: XmlDocument builds the XML declaration through a constructor that
            // refuses a bad version with it, not with an XmlException.
            // The parser refuses DOCTYPE by throwing; report it as its own reason so tests and logs can tell.
            var dtd = Encoding.UTF8.GetString(xml).Contains("<!DOCTYPE", StringComparison.OrdinalIgnoreCase);
            throw new SamlException(dtd ? SamlFailure.DtdProhibited : SamlFailure.Malformed,
                dtd ? "The XML contains a DOCTYPE, which is not accepted." : "The XML is not well-formed.", ex);
        }

        return document.DocumentElement is null
            ? throw new SamlException(SamlFailure.Malformed, "The XML has no root element.")
            : document;
    }

    public static bool Is(this XmlNode node, string ns, string localName) =>
        node is XmlElement && node.LocalName == localName && node.NamespaceURI == ns;

    public static IEnumerable<XmlElement> Children(this XmlElement parent, string ns, string localName) =>
        parent.ChildNodes.OfType<XmlElement>().Where(e => e.Is(ns, localName));

    /// <summary>The only child with this name, or null when there is none; more than one is refused.</summary>
    public static XmlElement? SingleChild(this XmlElement parent, string ns, string localName)
    {
        XmlElement? found = null;
        foreach (var child in parent.Children(ns, localName))
        {
            if (found is not null)
            {
                throw new SamlException(SamlFailure.Malformed, $"More than one {localName} element where one is allowed.");
            }

            found = child;
        }

        return found;
    }

    public static string? AttributeOrNull(this XmlElement element, string name) =>
        element.GetAttributeNode(name) is { } attribute ? attribute.Value : null;

    /// <summary>
    /// The element's text. Comments and child elements are refused: exclusive C14N drops comments,
    /// so "alice@example.com&lt;!----&gt;.evil" keeps a valid signature while a naive reader sees a different value.
    /// </summary>
    public static string Text(this XmlElement element)
    {
        var text = new StringBuilder();
        foreach (XmlNode child in element.ChildNodes)
        {
            if (child.NodeType is not (XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace))
            {
                throw new SamlException(SamlFailure.Malformed, $"{element.LocalName} contains markup or comments, not just text.");
            }

            text.Append(child.Value);
        }

        return text.ToString().Trim();
    }

    /// <summary>SAML times are xs:dateTime in UTC ("Z"), per SAML core 1.3.3.</summary>
    public static DateTimeOffset? UtcTimeOrNull(this XmlElement element, string attribute)
    {
        var value = element.AttributeOrNull(attribute);
        if (value is null)
        {
            return null;
        }

        if (!value.EndsWith('Z')
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new SamlException(SamlFailure.Malformed, $"{element.LocalName}/@{attribute} is not a UTC xs:dateTime.");
        }

        return time;
    }
}
