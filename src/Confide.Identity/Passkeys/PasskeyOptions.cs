namespace Confide.Identity.Passkeys;

/// <summary>
/// Passkey (WebAuthn) settings, section <c>Confide:Passkeys</c>. By default the relying-party id
/// is the host name of the request (<c>localhost</c> in the embedded mode), which is right as long
/// as the server sees the host name people type. Behind a proxy that rewrites the host, set
/// <see cref="ServerDomain"/> to the public host name (and each region's <c>PublicUrl</c>).
/// </summary>
public sealed class PasskeyOptions
{
    public const string Section = "Confide:Passkeys";

    /// <summary>
    /// The longest credential JSON (the browser's answer) a page accepts. Credential ids are at most
    /// 1 KiB; with a public key, attestation and client data an answer stays far below this.
    /// </summary>
    public const int MaxCredentialJsonLength = 16 * 1024;

    /// <summary>
    /// The relying-party id passkeys are bound to: a host name such as <c>confide.example.com</c>
    /// (no scheme, no port). A passkey made under one id never works under another.
    /// </summary>
    public string? ServerDomain { get; set; }

    /// <summary>A bare DNS host name, or not set (then the request's host name is used).</summary>
    internal bool IsValid() =>
        ServerDomain is null || (Uri.CheckHostName(ServerDomain) == UriHostNameType.Dns && !ServerDomain.Contains(':', StringComparison.Ordinal));
}
