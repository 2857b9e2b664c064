using System.Xml;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// Validates a SAML 2.0 Response posted to the ACS (HTTP-POST binding) for an SP-initiated login.
/// Every refusal is a <see cref="SamlException"/> with a distinct <see cref="SamlFailure"/>.
/// The validator is stateless: replay protection (remembering <see cref="SamlAssertion.AssertionId"/>
/// until <see cref="SamlAssertion.KeepForReplayUntil"/>) is the caller's job.
/// </summary>
public static class SamlResponseValidator
{
    /// <summary>Real responses are a few KiB; anything near this is an attack or a misconfigured IdP.</summary>
    public const int MaxEncodedLength = 256 * 1024;

    public static SamlAssertion Validate(string base64SamlResponse, SamlValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(base64SamlResponse);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(context.ExpectedInResponseTo);

        if (base64SamlResponse.Length > MaxEncodedLength)
        {
            throw new SamlException(SamlFailure.TooLarge, "The SAMLResponse is larger than accepted.");
        }

        byte[] xml;
        try
        {
            xml = Convert.FromBase64String(base64SamlResponse);
        }
        catch (FormatException ex)
        {
            throw new SamlException(SamlFailure.Malformed, "The SAMLResponse is not base64.", ex);
        }

        var document = SafeXml.Load(xml);
        var response = document.DocumentElement!;
        if (!response.Is(SamlNames.Protocol, "Response") || response.AttributeOrNull("Version") != "2.0")
        {
            throw new SamlException(SamlFailure.NotAResponse, "The document is not a SAML 2.0 Response.");
        }

        DocumentIds.RefuseDuplicates(document);
        CheckResponse(response, context);
        var assertion = SingleAssertion(document, response);
        VerifySignatures(response, assertion, context.IdentityProvider);
        // From here on, values come only from this element object, which the signature covers.
        return SamlAssertionReader.Read(assertion, context);
    }

    private static void CheckResponse(XmlElement response, SamlValidationContext context)
    {
        if (response.SingleChild(SamlNames.Assertion, "Issuer") is { } issuer && issuer.Text() != context.IdentityProvider.EntityId)
        {
            throw new SamlException(SamlFailure.WrongIssuer, "The Response's Issuer is not the configured IdP.");
        }

        if (response.AttributeOrNull("Destination") is { } destination && !Urls.Same(destination, context.ServiceProvider.AssertionConsumerServiceUrl))
        {
            throw new SamlException(SamlFailure.WrongDestination, "The Response's Destination is not this service provider's ACS URL.");
        }

        var inResponseTo = response.AttributeOrNull("InResponseTo");
        if (string.IsNullOrEmpty(inResponseTo))
        {
            throw new SamlException(SamlFailure.Unsolicited, "The Response answers no request; IdP-initiated login is not accepted.");
        }

        if (inResponseTo != context.ExpectedInResponseTo)
        {
            throw new SamlException(SamlFailure.WrongInResponseTo, "The Response answers a different request than the one this browser started.");
        }

        var status = response.SingleChild(SamlNames.Protocol, "Status")?.SingleChild(SamlNames.Protocol, "StatusCode");
        if (status?.AttributeOrNull("Value") != SamlNames.StatusSuccess)
        {
            throw new SamlException(SamlFailure.StatusNotSuccess, "The IdP did not report success.");
        }
    }

    /// <summary>Exactly one Assertion in the whole document, as a child of the Response: a second one hidden anywhere is a wrapping attempt.</summary>
    private static XmlElement SingleAssertion(XmlDocument document, XmlElement response)
    {
        if (document.GetElementsByTagName("EncryptedAssertion", SamlNames.Assertion).Count > 0)
        {
            throw new SamlException(SamlFailure.EncryptedAssertionUnsupported, "Encrypted assertions are not supported; turn assertion encryption off for this service provider.");
        }

        var assertions = document.GetElementsByTagName("Assertion", SamlNames.Assertion);
        if (assertions.Count != 1 || assertions[0] is not XmlElement assertion || assertion.ParentNode != response)
        {
            throw new SamlException(SamlFailure.NotExactlyOneAssertion, "The Response must contain exactly one Assertion, directly inside it.");
        }

        return assertion;
    }

    /// <summary>
    /// The Assertion must be covered by a signature: its own, the Response's, or both (SimpleSAMLphp
    /// and ADFS sign both). A signature that is present must verify even if the other one does.
    /// </summary>
    private static void VerifySignatures(XmlElement response, XmlElement assertion, SamlIdentityProvider idp)
    {
        var responseSignature = SamlSignatureVerifier.SignatureOf(response);
        var assertionSignature = SamlSignatureVerifier.SignatureOf(assertion);
        if (responseSignature is null && assertionSignature is null)
        {
            throw new SamlException(SamlFailure.NotSigned, "Neither the Response nor the Assertion is signed.");
        }

        if (responseSignature is not null)
        {
            SamlSignatureVerifier.Verify(response, responseSignature, idp.SigningCertificates);
        }

        if (assertionSignature is not null)
        {
            SamlSignatureVerifier.Verify(assertion, assertionSignature, idp.SigningCertificates);
        }
    }
}
