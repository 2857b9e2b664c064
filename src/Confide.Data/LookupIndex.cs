namespace Confide.Data;

/// <summary>
/// Equality-lookup keys ("blind indexes") stored beside personal fields (email, external id),
/// so a search never needs the field itself. They are keyed per workspace, so equal values in
/// two workspaces give unrelated keys. Obtain one per request, then compute keys synchronously.
/// </summary>
public interface ILookupIndex
{
    ValueTask<LookupKeys> ForWorkspaceAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken);
}

/// <summary>The lookup-key functions of one workspace.</summary>
public abstract class LookupKeys
{
    public abstract string Email(string email);

    public abstract string ExternalId(string externalId);

    public abstract string Phone(string phone);

    /// <summary>The messenger's random visitor id (a lead who has not identified).</summary>
    public abstract string VisitorId(string visitorId);

    /// <summary>A contact's id, keyed: how an erasure receipt names its subject without naming them.</summary>
    public abstract string ContactId(string contactId);

    /// <summary>
    /// A search token (ADR 0015): the first 16 bytes of a keyed hash of <paramref name="text"/> (a
    /// gram or a whole normalised value, per <paramref name="kind"/>) of <paramref name="field"/>,
    /// under the workspace's search key — a key derived from the lookup key for this use alone.
    /// </summary>
    public abstract string SearchToken(char kind, string field, string text);

    /// <summary>Emails match case-insensitively and ignoring surrounding spaces.</summary>
    protected static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Phone numbers match ignoring spaces, dashes, dots and brackets: "+44 20 7946-0958" = "+442079460958".</summary>
    protected static string NormalizePhone(string phone) =>
        string.Concat(phone.Where(c => c is not (' ' or '-' or '.' or '(' or ')')));
}
