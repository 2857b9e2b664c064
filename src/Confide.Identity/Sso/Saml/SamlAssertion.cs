namespace Confide.Identity.Sso.Saml;

/// <summary>
/// What a verified assertion says. Replay is the caller's job: record <see cref="AssertionId"/>
/// (per IdP) until <see cref="KeepForReplayUntil"/> and refuse a response whose assertion was seen before.
/// </summary>
public sealed record SamlAssertion(
    string AssertionId,
    string Issuer,
    string NameId,
    string? NameIdFormat,
    string? SessionIndex,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes,
    DateTimeOffset NotOnOrAfter,
    DateTimeOffset KeepForReplayUntil);
