namespace Confide.Identity.Sso.Saml;

/// <summary>Why a SAML message or metadata document was refused; stable, safe to log and to show an administrator.</summary>
public enum SamlFailure
{
    /// <summary>Not base64, not well-formed XML, or a required element or attribute is missing or malformed.</summary>
    Malformed,
    /// <summary>Larger than the validator reads.</summary>
    TooLarge,
    /// <summary>A DOCTYPE was present (entity expansion and external entities are never processed).</summary>
    DtdProhibited,
    /// <summary>The root element is not a SAML 2.0 samlp:Response.</summary>
    NotAResponse,
    /// <summary>The Response's Destination is not this service provider's ACS URL.</summary>
    WrongDestination,
    /// <summary>The Response has no InResponseTo: IdP-initiated (unsolicited) login is not accepted.</summary>
    Unsolicited,
    /// <summary>InResponseTo (of the Response or the bearer confirmation) is not the request this browser started.</summary>
    WrongInResponseTo,
    /// <summary>The IdP answered with a status other than Success (for example the user cancelled).</summary>
    StatusNotSuccess,
    /// <summary>The Issuer of the Response or Assertion is not the configured IdP.</summary>
    WrongIssuer,
    /// <summary>The Response carries an EncryptedAssertion, which Confide does not support.</summary>
    EncryptedAssertionUnsupported,
    /// <summary>The document holds no Assertion or more than one (anywhere, not only as children of the Response).</summary>
    NotExactlyOneAssertion,
    /// <summary>Neither the Assertion nor the Response is signed.</summary>
    NotSigned,
    /// <summary>The signature's structure does not bind it to the element it sits in (XML signature wrapping).</summary>
    SignatureWrapping,
    /// <summary>A signature or digest algorithm outside the allowlist (SHA-1 included).</summary>
    WeakAlgorithm,
    /// <summary>A transform or canonicalization other than enveloped-signature and exclusive C14N without comments.</summary>
    DisallowedTransform,
    /// <summary>The signature is well-formed and made by the certificate it names, but that certificate is not the IdP's.</summary>
    UntrustedCertificate,
    /// <summary>The signature does not verify (content changed after signing, or wrong key).</summary>
    SignatureInvalid,
    /// <summary>Conditions/@NotOnOrAfter has passed (beyond the allowed clock skew).</summary>
    Expired,
    /// <summary>Conditions/@NotBefore is still in the future (beyond the allowed clock skew).</summary>
    NotYetValid,
    /// <summary>No AudienceRestriction names this service provider.</summary>
    WrongAudience,
    /// <summary>No bearer SubjectConfirmation.</summary>
    NoBearerConfirmation,
    /// <summary>The bearer confirmation's Recipient is not this service provider's ACS URL.</summary>
    WrongRecipient,
    /// <summary>The bearer confirmation's NotOnOrAfter is missing or has passed.</summary>
    ConfirmationExpired,
    /// <summary>The subject has no NameID.</summary>
    MissingNameId,
    /// <summary>IdP metadata is unusable (no IDPSSODescriptor, signing certificate or HTTP-Redirect SSO endpoint).</summary>
    InvalidMetadata,
}
