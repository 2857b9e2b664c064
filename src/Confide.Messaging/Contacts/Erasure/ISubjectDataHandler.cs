using Confide.Crypto;
using Confide.Data;

namespace Confide.Messaging.Contacts.Erasure;

/// <summary>
/// One module's share of a subject's data: which stored entities it answers for, how many
/// records it holds about a contact (for the receipt), and how to erase them in bounded batches.
/// Every handler registered with <see cref="SubjectDataHandlerRegistration.AddSubjectDataHandler{T}"/>
/// runs in each erasure's purge (<see cref="ContactErasureJob"/>), in registration order; a test
/// fails when an entity holding a contact's personal data is claimed by no handler. What the same
/// entities contribute to an access export is declared in the export's layout (Privacy).
/// </summary>
public interface ISubjectDataHandler
{
    /// <summary>The name this handler's count has in the receipt (e.g. <c>conversation_parts</c>).</summary>
    string Category { get; }

    /// <summary>The entity classes whose rows about a contact this handler erases.</summary>
    IReadOnlyCollection<Type> Entities { get; }

    /// <summary>Adds this handler's record counts for the contact to <paramref name="counts"/>, before anything is erased.</summary>
    Task CountAsync(ConfideDbContext db, string workspaceId, string contactId, IDictionary<string, long> counts, CancellationToken cancellationToken);

    /// <summary>
    /// Reads (outside the writer) the next batch of at most <paramref name="batchSize"/> records to
    /// erase, and returns the write that erases them — run in the purge step's transaction, so it
    /// must be cheap and safe to repeat — or null when nothing of the contact is left here. Work
    /// outside the database (files) belongs here, before the write, and must be safe to repeat.
    /// </summary>
    Task<SubjectDataBatch?> NextBatchAsync(CellDatabase cell, string workspaceId, string contactId, int batchSize, CancellationToken cancellationToken);

    /// <summary>
    /// The batched path (retention, ADR 0014): everything this handler holds about many contacts at
    /// once, set-based. Work outside the database (files) happens here, before the write, and must be
    /// safe to repeat; the returned write runs in one transaction with every other handler's (in
    /// registration order), must be cheap for a bounded batch and safe to repeat. The contacts are
    /// hidden and their keys destroyed already; their rows and pending notes are deleted after every
    /// handler's write, by the caller.
    /// </summary>
    Task<Func<ConfideDbContext, CancellationToken, Task>> EraseManyAsync(CellDatabase cell, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken);

    /// <summary>
    /// A lead merged into a user (<c>POST /contacts/merge</c>, docs/contacts-merge.md): moves what
    /// this handler holds about <see cref="ContactMerge.LeadId"/> to <see cref="ContactMerge.UserId"/>,
    /// re-sealing every value sealed under the lead's key with the user's, so nothing stays readable
    /// only with the lead's key (destroyed right after). Runs inside the merge's one transaction, in
    /// registration order; what a handler leaves with the lead is erased with it, as an erasure does.
    /// </summary>
    Task MergeAsync(ConfideDbContext db, ContactMerge merge, CancellationToken cancellationToken);
}

/// <summary>One lead-into-user merge as the handlers see it: both contacts and both ciphers (the lead's opens, the user's seals).</summary>
public sealed record ContactMerge(string WorkspaceId, string LeadId, string UserId, ContactCipher Lead, ContactCipher User, LookupKeys Lookup, DateTimeOffset Now);

/// <summary>One batch of a handler: how many records it removes and the write that removes them.</summary>
public sealed record SubjectDataBatch(int Count, Func<ConfideDbContext, CancellationToken, Task> Write);
