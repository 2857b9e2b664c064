namespace Confide.Platform;

/// <summary>
/// Where a region's contact keys live (<c>Confide:Regions:&lt;region&gt;:KeyStore</c>): by default a
/// SQLite file beside the master key (<c>data/keys/&lt;region&gt;/contact-keys.db</c>); with
/// <see cref="Postgres"/> set, a PostgreSQL database of their own, which every process serving
/// the region shares. Never the cell database (ADR 0006, ADR 0016).
/// </summary>
public sealed class KeyStoreSettings
{
    /// <summary>PostgreSQL connection string of the region's key-store database; when empty the SQLite file is used.</summary>
    public string? Postgres { get; set; }
}
