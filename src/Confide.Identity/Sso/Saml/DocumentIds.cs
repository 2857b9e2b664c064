using System.Xml;

namespace Confide.Identity.Sso.Saml;

internal static class DocumentIds
{
    // Every attribute name that some XML-DSig implementation resolves "#id" references against.
    private static readonly string[] IdAttributes = ["ID", "Id", "id", "AssertionID"];

    /// <summary>
    /// Refuses a document in which two elements carry the same ID value: with duplicates, the
    /// element the signature covers and the element a reader picks can differ.
    /// </summary>
    public static void RefuseDuplicates(XmlDocument document)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (XmlElement element in document.GetElementsByTagName("*"))
        {
            foreach (var name in IdAttributes)
            {
                if (element.GetAttributeNode(name) is { } attribute && !seen.Add(attribute.Value))
                {
                    throw new SamlException(SamlFailure.SignatureWrapping, "Two elements in the document have the same ID.");
                }
            }
        }
    }
}
