namespace Confide.Messaging.Contacts.Erasure;

/// <summary>The erasure purge's settings (<c>Confide:Erasure</c>); see docs/privacy-operations.md.</summary>
public sealed class ContactErasureOptions
{
    public const string Section = "Confide:Erasure";

    /// <summary>
    /// Rows deleted per purge step, each step one transaction of the cell's writer: small enough
    /// that live writes queued behind it wait milliseconds, large enough that the purge is quick.
    /// </summary>
    public int PurgeBatchSize { get; set; } = 500;
}
