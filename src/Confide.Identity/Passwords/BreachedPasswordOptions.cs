namespace Confide.Identity.Passwords;

/// <summary>
/// The operator's local copy of the Pwned Passwords corpus (<c>Confide:Passwords</c>). Without
/// <see cref="BreachedSha1File"/> the breached-password check is off.
/// </summary>
public sealed class BreachedPasswordOptions
{
    public const string Section = "Confide:Passwords";

    /// <summary>Path of a <c>SHA1HASH:COUNT</c> file sorted by hash, as the official downloader writes it.</summary>
    public string? BreachedSha1File { get; set; }

    /// <summary>How many breaches a password must have appeared in to be refused (default 1: any).</summary>
    public int BreachedMinimumCount { get; set; } = 1;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(BreachedSha1File);
}
