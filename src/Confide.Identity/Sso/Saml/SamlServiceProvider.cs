namespace Confide.Identity.Sso.Saml;

/// <summary>This side of the federation: the audience IdPs address and where they POST responses.</summary>
public sealed record SamlServiceProvider(string EntityId, Uri AssertionConsumerServiceUrl);
