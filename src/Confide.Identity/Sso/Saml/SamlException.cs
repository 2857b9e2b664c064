namespace Confide.Identity.Sso.Saml;

/// <summary>
/// A refused SAML message or metadata document. The message names the check, never a value from
/// the document, so it holds no personal data and is safe to log.
/// </summary>
public sealed class SamlException : Exception
{
    public SamlException(SamlFailure reason, string message)
        : base(message) => Reason = reason;

    public SamlException(SamlFailure reason, string message, Exception innerException)
        : base(message, innerException) => Reason = reason;

    public SamlException()
        : this(SamlFailure.Malformed, "The SAML message was refused.")
    {
    }

    public SamlException(string message)
        : this(SamlFailure.Malformed, message)
    {
    }

    public SamlException(string message, Exception innerException)
        : this(SamlFailure.Malformed, message, innerException)
    {
    }

    public SamlFailure Reason { get; }
}
