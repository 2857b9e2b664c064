using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A workspace's single sign-on identity provider (one per workspace): SAML 2.0 or OpenID
/// Connect, with how its claims map onto a teammate and who may be provisioned on first sign-in.
/// </summary>
public sealed class SsoConnection
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary><see cref="SsoProtocols"/>.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Protocol { get; set; }

    /// <summary>SAML: the identity provider's entity id (the expected Issuer).</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? SamlIdpEntityId { get; set; }

    /// <summary>SAML: where authentication requests go (HTTP-Redirect binding).</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? SamlSingleSignOnUrl { get; set; }

    /// <summary>SAML: the identity provider's signing certificates as PEM (two during a key rollover).</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? SamlSigningCertificates { get; set; }

    /// <summary>OIDC: the issuer URL whose discovery document is fetched.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? OidcIssuer { get; set; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? OidcClientId { get; set; }

    /// <summary>OIDC: the client secret, encrypted with Data Protection (never stored in clear).</summary>
    [DataCategory(DataCategories.SystemKeyMaterial)]
    public string? OidcProtectedClientSecret { get; set; }

    /// <summary>The claim or attribute holding the teammate's email.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string EmailAttribute { get; set; }

    /// <summary>The claim or attribute holding the teammate's display name.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string NameAttribute { get; set; }

    /// <summary>Whether someone the identity provider vouches for, but who is not yet a teammate, becomes one on first sign-in.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public bool JustInTimeProvisioning { get; set; }

    /// <summary>The role (built-in name or workspace role id) given to teammates provisioned just in time.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string DefaultRole { get; set; }

    /// <summary>Space-separated email domains the connection may sign teammates in for; empty for any.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string AllowedEmailDomains { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class SsoProtocols
{
    public const string Saml = "saml";
    public const string Oidc = "oidc";

    public static bool IsValid(string value) => value is Saml or Oidc;
}
