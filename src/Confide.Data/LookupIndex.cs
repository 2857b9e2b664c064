namespace Confide.Data;

/// <summary>
/// Computes the equality-lookup key stored beside a personal field (email, external id), so
/// searches never need the field itself. The default normalises; encryption at rest replaces
/// it with a keyed blind index (HMAC per workspace) without touching callers.
/// </summary>
public interface ILookupIndex
{
    string Email(string workspaceId, string email);

    string ExternalId(string workspaceId, string externalId);
}

public sealed class NormalizingLookupIndex : ILookupIndex
{
    public string Email(string workspaceId, string email) => email.Trim().ToLowerInvariant();

    public string ExternalId(string workspaceId, string externalId) => externalId;
}
