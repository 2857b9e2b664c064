namespace Confide.Messaging.Search;

/// <summary>The encrypted-field search (ADR 0015, docs/search.md).</summary>
public sealed class SearchOptions
{
    public const string Section = "Confide:Search";

    /// <summary>
    /// The most records one text filter may yield as candidates (records whose search tokens all
    /// match), each decrypted to verify it; above it the search is a 400 asking for a longer text
    /// or another filter, so a short text never makes a request decrypt a whole workspace.
    /// </summary>
    public int MaxCandidates { get; set; } = 5_000;
}
