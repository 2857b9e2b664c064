using System.Text;
using System.Xml;
using Confide.Identity.Sso.Saml;
using Confide.Tests.Infrastructure;
using static Confide.Tests.Sso.SamlResponseForge;

namespace Confide.Tests.Sso;

/// <summary>
/// The validator against real SimpleSAMLphp responses and a corpus of attack responses built from
/// them: every one must be refused with its own reason.
/// </summary>
public sealed class SamlResponseValidatorTests(SimpleSamlPhpFixture fixture) : IClassFixture<SimpleSamlPhpFixture>
{
    private SamlResponseForge Genuine() => new(fixture.GenuineResponse);

    private SamlException Refused(SamlFailure expected, string response, SamlValidationContext? context = null)
    {
        var ex = Assert.Throws<SamlException>(() => SamlResponseValidator.Validate(response, context ?? fixture.Context()));
        Assert.Equal(expected, ex.Reason);
        return ex;
    }

    private SamlException Refused(SamlFailure expected, SamlResponseForge forged) => Refused(expected, forged.Encode());

    [Fact]
    public void GenuineResponse_IsAccepted_WithNameIdAttributesAndReplayData()
    {
        var assertion = SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context());

        Assert.Equal(SimpleSamlPhpIdp.Email, assertion.NameId);
        Assert.Equal("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", assertion.NameIdFormat);
        Assert.Equal(fixture.IdentityProvider.EntityId, assertion.Issuer);
        Assert.Equal([SimpleSamlPhpIdp.Email], assertion.Attributes["email"]);
        Assert.Equal([SimpleSamlPhpIdp.DisplayName], assertion.Attributes["name"]);
        Assert.False(string.IsNullOrEmpty(assertion.SessionIndex));
        Assert.Equal(Genuine().Assertion.GetAttribute("ID"), assertion.AssertionId);
        Assert.True(assertion.NotOnOrAfter > fixture.IssueInstant);
        Assert.Equal(assertion.NotOnOrAfter + SamlValidationContext.DefaultClockSkew, assertion.KeepForReplayUntil);
    }

    [Fact]
    public void Validator_IsStateless_TheSecondUseIsTheCallersToRefuseByAssertionId()
    {
        // Replay protection needs storage, which this layer has none of: both uses pass here, and
        // the caller records AssertionId until KeepForReplayUntil and refuses the second.
        var first = SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context());
        var second = SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context());

        Assert.Equal(first.AssertionId, second.AssertionId);
        Assert.Equal(first.KeepForReplayUntil, second.KeepForReplayUntil);
        Assert.StartsWith("_", first.AssertionId, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheAssertionSigned_IsAccepted() =>
        Assert.Equal(SimpleSamlPhpIdp.Email, SamlResponseValidator.Validate(Genuine().RemoveResponseSignature().Encode(), fixture.Context()).NameId);

    [Fact]
    public void OnlyTheResponseSigned_IsAccepted()
    {
        // The Response signature covers the Assertion's, so removing that one needs a fresh Response signature.
        var responseOnly = Genuine().RemoveSignatures();
        responseOnly.Sign(responseOnly.Response, fixture.Idp.Certificate);

        Assert.Equal(SimpleSamlPhpIdp.Email, SamlResponseValidator.Validate(responseOnly.Encode(), fixture.Context()).NameId);
    }

    [Fact]
    public void IdpKeyRollover_EitherConfiguredCertificateIsTrusted()
    {
        using var next = OtherCertificate();
        var idp = fixture.IdentityProvider with { SigningCertificates = [next, .. fixture.IdentityProvider.SigningCertificates] };

        Assert.Equal(SimpleSamlPhpIdp.Email, SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context(idp: idp)).NameId);
    }

    [Fact]
    public void Unsigned_IsRefused() => Refused(SamlFailure.NotSigned, Genuine().RemoveSignatures());

    [Fact]
    public void AlteredNameId_WithBothSignaturesIntact_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "NameID").InnerText = "mallory@example.com";

        Refused(SamlFailure.SignatureInvalid, forged);
    }

    [Fact]
    public void ResponseSignatureOnly_WithTheAssertionAltered_IsRefused()
    {
        var forged = Genuine().RemoveSignatures();
        forged.Sign(forged.Response, fixture.Idp.Certificate);
        forged.Element(Saml, "NameID").InnerText = "mallory@example.com";

        Refused(SamlFailure.SignatureInvalid, forged);
    }

    [Fact]
    public void AssertionSignatureOnly_WithTheAssertionAltered_IsRefused()
    {
        var forged = Genuine().RemoveResponseSignature();
        forged.Element(Saml, "NameID").InnerText = "mallory@example.com";

        Refused(SamlFailure.SignatureInvalid, forged);
    }

    [Fact]
    public void BrokenAssertionSignature_IsRefused_EvenUnderAValidResponseSignature()
    {
        var forged = Genuine().RemoveSignatures();
        forged.Sign(forged.Assertion, fixture.Idp.Certificate);
        forged.Element(Saml, "NameID").InnerText = "mallory@example.com";
        forged.Sign(forged.Response, fixture.Idp.Certificate);

        Refused(SamlFailure.SignatureInvalid, forged);
    }

    [Fact]
    public void Wrapping_EvilAssertionInsertedBeforeTheSignedOne_IsRefused()
    {
        var forged = Genuine();
        var evil = EvilCopyOf(forged.Assertion, "_evil");
        forged.Response.InsertBefore(evil, forged.Assertion);

        Refused(SamlFailure.NotExactlyOneAssertion, forged);
    }

    [Fact]
    public void Wrapping_SignedAssertionMovedIntoExtensions_EvilOneInItsPlace_IsRefused()
    {
        var forged = Genuine().RemoveResponseSignature();
        var signed = forged.Assertion;
        var evil = EvilCopyOf(signed, "_evil");
        var extensions = forged.NewElement("samlp", "Extensions", Protocol);
        forged.Response.ReplaceChild(evil, signed);
        extensions.AppendChild(signed);
        forged.Response.InsertAfter(extensions, forged.Response.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));

        Refused(SamlFailure.NotExactlyOneAssertion, forged);
    }

    [Fact]
    public void Wrapping_SignedAssertionHiddenInTheEvilAssertionsSignatureObject_IsRefused()
    {
        var forged = Genuine().RemoveResponseSignature();
        var signed = forged.Assertion;
        var evil = EvilCopyOf(signed, signed.GetAttribute("ID") + "x");
        var signature = (XmlElement)SignatureOf(signed)!.CloneNode(deep: true);
        var wrapper = forged.NewElement("ds", "Object", Dsig);
        signature.AppendChild(wrapper);
        evil.InsertAfter(signature, evil.FirstChild);
        forged.Response.ReplaceChild(evil, signed);
        wrapper.AppendChild(signed);

        Refused(SamlFailure.NotExactlyOneAssertion, forged);
    }

    [Fact]
    public void Wrapping_DuplicateId_IsRefused()
    {
        // Another element carrying the signed assertion's ID: a default SignedXml could digest either one.
        var forged = Genuine();
        var extensions = forged.NewElement("samlp", "Extensions", Protocol);
        extensions.SetAttribute("ID", forged.Assertion.GetAttribute("ID"));
        forged.Response.InsertBefore(extensions, forged.Element(Protocol, "Status"));

        Refused(SamlFailure.SignatureWrapping, forged);
    }

    [Fact]
    public void Wrapping_SignatureCopiedIntoAnEvilAssertionWithAnotherId_IsRefused()
    {
        var forged = Genuine().RemoveResponseSignature();
        forged.Assertion.SetAttribute("ID", "_evil");
        forged.Element(Saml, "NameID").InnerText = "mallory@example.com";

        Refused(SamlFailure.SignatureWrapping, forged);
    }

    [Fact]
    public void Wrapping_ResponseSignatureMovedIntoTheAssertion_IsRefused()
    {
        // A valid signature, but over a different element (the Response) than the one it sits in.
        var forged = Genuine().RemoveAssertionSignature();
        var signature = SignatureOf(forged.Response)!;
        forged.Response.RemoveChild(signature);
        forged.Assertion.InsertAfter(signature, forged.Assertion.FirstChild);

        Refused(SamlFailure.SignatureWrapping, forged);
    }

    [Fact]
    public void Wrapping_TwoSignaturesOnTheAssertion_IsRefused()
    {
        var forged = Genuine();
        var second = SignatureOf(forged.Assertion)!.CloneNode(deep: true);
        forged.Assertion.InsertAfter(second, SignatureOf(forged.Assertion));

        Refused(SamlFailure.SignatureWrapping, forged);
    }

    [Fact]
    public void CommentInsideTheNameId_KeepsTheSignatureValid_ButIsRefused()
    {
        // Exclusive C14N drops comments, so the signature still verifies; a reader that took the
        // first text node would see "alice@example.com" for "alice@example.com.evil.test".
        var forged = Genuine();
        var nameId = forged.Element(Saml, "NameID");
        nameId.InnerText = "alice@example.com.evil.test";
        forged.Resign(fixture.Idp.Certificate);
        ((XmlText)nameId.FirstChild!).SplitText("alice@example.com".Length);
        nameId.InsertAfter(forged.Document.CreateComment(""), nameId.FirstChild);

        Assert.Contains("NameID contains markup or comments", Refused(SamlFailure.Malformed, forged).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpiredByTheClock_IsRefused_ExactlyAtNotOnOrAfterPlusSkew()
    {
        var notOnOrAfter = SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context()).NotOnOrAfter;
        var skew = SamlValidationContext.DefaultClockSkew;

        SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context(at: notOnOrAfter + skew - TimeSpan.FromSeconds(1)));
        Refused(SamlFailure.Expired, fixture.GenuineResponse, fixture.Context(at: notOnOrAfter + skew));
    }

    [Fact]
    public void NotYetValidByTheClock_IsRefused_BeforeNotBeforeMinusSkew()
    {
        var notBefore = DateTimeOffset.Parse(Genuine().Element(Saml, "Conditions").GetAttribute("NotBefore"), System.Globalization.CultureInfo.InvariantCulture);
        var skew = SamlValidationContext.DefaultClockSkew;

        SamlResponseValidator.Validate(fixture.GenuineResponse, fixture.Context(at: notBefore - skew));
        Refused(SamlFailure.NotYetValid, fixture.GenuineResponse, fixture.Context(at: notBefore - skew - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Expired_ResignedByTheIdpKey_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "Conditions").SetAttribute("NotOnOrAfter", Time(fixture.IssueInstant.AddMinutes(-10)));

        Refused(SamlFailure.Expired, forged.Resign(fixture.Idp.Certificate));
    }

    [Fact]
    public void ExpiredBearerConfirmation_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "SubjectConfirmationData").SetAttribute("NotOnOrAfter", Time(fixture.IssueInstant.AddMinutes(-10)));

        Refused(SamlFailure.ConfirmationExpired, forged.Resign(fixture.Idp.Certificate));
    }

    [Fact]
    public void NotBeforeInTheFuture_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "Conditions").SetAttribute("NotBefore", Time(fixture.IssueInstant.AddMinutes(10)));

        Refused(SamlFailure.NotYetValid, forged.Resign(fixture.Idp.Certificate));
    }

    [Fact]
    public void WrongAudience_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "Audience").InnerText = "https://other-sp.example/saml";

        Refused(SamlFailure.WrongAudience, forged.Resign(fixture.Idp.Certificate));
        Refused(SamlFailure.WrongAudience, fixture.GenuineResponse,
            fixture.Context(sp: SimpleSamlPhpFixture.ServiceProvider with { EntityId = "https://other-sp.example/saml" }));
    }

    [Fact]
    public void WrongRecipient_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "SubjectConfirmationData").SetAttribute("Recipient", "https://other-sp.example/acs");

        Refused(SamlFailure.WrongRecipient, forged.Resign(fixture.Idp.Certificate));
    }

    [Fact]
    public void WrongDestination_IsRefused()
    {
        var forged = Genuine().RemoveResponseSignature();
        forged.Response.SetAttribute("Destination", "https://other-sp.example/acs");

        Refused(SamlFailure.WrongDestination, forged);
        Refused(SamlFailure.WrongDestination, fixture.GenuineResponse,
            fixture.Context(sp: SimpleSamlPhpFixture.ServiceProvider with { AssertionConsumerServiceUrl = new Uri("https://other-sp.example/acs") }));
    }

    [Fact]
    public void AnswerToAnotherRequest_IsRefused() =>
        Refused(SamlFailure.WrongInResponseTo, fixture.GenuineResponse, fixture.Context(inResponseTo: "_" + new string('0', 32)));

    [Fact]
    public void BearerConfirmationForAnotherRequest_IsRefused()
    {
        var forged = Genuine();
        forged.Element(Saml, "SubjectConfirmationData").SetAttribute("InResponseTo", "_other");

        Refused(SamlFailure.WrongInResponseTo, forged.Resign(fixture.Idp.Certificate));
    }

    [Fact]
    public void Unsolicited_IsRefused()
    {
        var forged = Genuine();
        forged.Response.RemoveAttribute("InResponseTo");
        forged.Element(Saml, "SubjectConfirmationData").RemoveAttribute("InResponseTo");

        Refused(SamlFailure.Unsolicited, forged.Resign(fixture.Idp.Certificate));
    }

    [Fact]
    public void WrongIssuer_IsRefused()
    {
        var otherIdp = fixture.IdentityProvider with { EntityId = "https://other-idp.example/metadata" };
        Refused(SamlFailure.WrongIssuer, fixture.GenuineResponse, fixture.Context(idp: otherIdp));

        var forged = Genuine();
        forged.Response.RemoveChild(forged.Response.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));
        forged.Assertion.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer").InnerText = otherIdp.EntityId;
        forged.RemoveSignatures().Sign(forged.Assertion, fixture.Idp.Certificate);
        Refused(SamlFailure.WrongIssuer, forged);
    }

    [Fact]
    public void SignedWithAnotherCertificate_IsRefused()
    {
        using var other = OtherCertificate();
        var forged = Genuine();
        forged.Element(Saml, "NameID").InnerText = "mallory@example.com";

        Refused(SamlFailure.UntrustedCertificate, forged.Resign(other));
        var withoutKeyInfo = Genuine().RemoveSignatures();
        Refused(SamlFailure.SignatureInvalid, withoutKeyInfo.Sign(withoutKeyInfo.Assertion, other, includeKeyInfo: false));
    }

    [Fact]
    public void Sha1Signature_IsRefused() =>
        Refused(SamlFailure.WeakAlgorithm, Genuine().Resign(fixture.Idp.Certificate, RsaSha1, Sha1));

    [Fact]
    public void Sha256SignatureWithSha1Digest_IsRefused() =>
        Refused(SamlFailure.WeakAlgorithm, Genuine().Resign(fixture.Idp.Certificate, RsaSha256, Sha1));

    [Fact]
    public void CanonicalizationWithComments_IsRefused()
    {
        var forged = Genuine().RemoveSignatures();

        Refused(SamlFailure.DisallowedTransform, forged.Sign(forged.Assertion, fixture.Idp.Certificate, withComments: true));
    }

    [Fact]
    public void DoctypeWithExternalEntity_IsRefused()
    {
        var xml = Encoding.UTF8.GetString(Convert.FromBase64String(fixture.GenuineResponse));
        var xxe = "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" + xml.Replace(SimpleSamlPhpIdp.Email, "&xxe;", StringComparison.Ordinal);
        var laughs = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>" + xml;

        Refused(SamlFailure.DtdProhibited, Convert.ToBase64String(Encoding.UTF8.GetBytes(xxe)));
        Refused(SamlFailure.DtdProhibited, Convert.ToBase64String(Encoding.UTF8.GetBytes(laughs)));
    }

    [Fact]
    public void StatusOtherThanSuccess_IsRefused()
    {
        var forged = Genuine().RemoveResponseSignature();
        forged.Element(Protocol, "StatusCode").SetAttribute("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder");

        Refused(SamlFailure.StatusNotSuccess, forged);
    }

    [Fact]
    public void EncryptedAssertion_IsRefusedAsUnsupported()
    {
        var forged = Genuine().RemoveResponseSignature();
        var encrypted = forged.NewElement("saml", "EncryptedAssertion", Saml);
        encrypted.AppendChild(forged.NewElement("xenc", "EncryptedData", "http://www.w3.org/2001/04/xmlenc#"));
        forged.Response.ReplaceChild(encrypted, forged.Assertion);

        Refused(SamlFailure.EncryptedAssertionUnsupported, forged);
    }

    [Fact]
    public void NotBase64_TooLarge_OrNotAResponse_IsRefused()
    {
        Refused(SamlFailure.Malformed, "not base64!");
        Refused(SamlFailure.TooLarge, new string('A', SamlResponseValidator.MaxEncodedLength + 4));
        var request = "<samlp:AuthnRequest xmlns:samlp=\"" + Protocol + "\" ID=\"_1\" Version=\"2.0\"/>";
        Refused(SamlFailure.NotAResponse, Convert.ToBase64String(Encoding.UTF8.GetBytes(request)));
    }

    /// <summary>A copy of the assertion with another ID, another subject and no signature.</summary>
    private static XmlElement EvilCopyOf(XmlElement assertion, string id)
    {
        var evil = (XmlElement)assertion.CloneNode(deep: true);
        evil.SetAttribute("ID", id);
        if (SignatureOf(evil) is { } signature)
        {
            evil.RemoveChild(signature);
        }

        evil.GetElementsByTagName("NameID", Saml)[0]!.InnerText = "mallory@example.com";
        return evil;
    }

    private static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
}
