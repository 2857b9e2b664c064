using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Rules;

/// <summary>
/// The erasure path of the contact rules (<c>visitor</c>, <c>lead</c>), in batches (ADR 0014): the
/// same crypto-shredding and the same <see cref="ISubjectDataHandler"/>s as a data-subject erasure,
/// but for many contacts per transaction. One batch (<see cref="NextBatchAsync"/>) is: mark up to
/// N due contacts as being erased (one transaction: hidden at once, lookups cleared, a pending note
/// each), destroy their keys in one go, and return the write that deletes everything of them
/// set-based. Contacts marked by an interrupted batch are found again from their pending notes and
/// finished first. A contact with a long history goes to the per-contact path
/// (<see cref="ContactErasure.EraseAsync"/>), so a batch stays bounded.
/// </summary>
internal sealed class RetentionErasure(ContactKeyRing keys, ContactErasure erasure, IEnumerable<ISubjectDataHandler> handlers)
{
    /// <summary>Who erases: Confide itself, through the retention policy (pending notes, the per-contact path's log entry).</summary>
    public static readonly ActivityActor Actor = ActivityActor.Confide with { Via = "retention" };

    /// <summary>A contact with more conversation parts than this is erased on its own, by the per-contact purge.</summary>
    public const int LargeHistoryParts = 200;

    /// <summary>Conversation parts a batch may delete, per contact the batch may take: bounds the write whatever the histories.</summary>
    public const int PartsPerContact = 10;

    private readonly IReadOnlyList<ISubjectDataHandler> _handlers = [.. handlers];

    /// <summary>A due contact and the number of conversation parts erasing it deletes.</summary>
    public sealed record Candidate(string Id, int Parts);

    /// <summary>
    /// The next batch of the rule whose due contacts <paramref name="due"/> selects (read in a read
    /// context, and again inside the marking transaction), or null when none is due nor left marked.
    /// </summary>
    public async Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, Func<ConfideDbContext, IQueryable<Contact>> due, CancellationToken cancellationToken)
    {
        var (cell, workspaceId) = (scope.Cell, scope.WorkspaceId);
        var partBudget = Math.Max(batchSize, 1) * PartsPerContact;

        // A batch interrupted after its marking (a crash, a restart): finish it before anything new.
        List<Candidate> marked;
        await using (var db = cell.CreateReadContext())
        {
            marked = Bounded(await CandidatesAsync(db, workspaceId, Marked(db, workspaceId), batchSize, cancellationToken), partBudget);
        }

        if (marked.Count == 0)
        {
            List<Candidate> candidates;
            List<string> large;
            await using (var db = cell.CreateReadContext())
            {
                var eligible = Eligible(db, scope, due(db));
                var parts = PartsOf(db, workspaceId);
                candidates = Bounded(await CandidatesAsync(db, workspaceId, eligible.Where(c => parts.Where(v => v.ContactId == c.Id).Sum(v => v.PartCount) <= LargeHistoryParts), batchSize, cancellationToken), partBudget);
                large = candidates.Count > 0 ? [] : await eligible.Where(c => parts.Where(v => v.ContactId == c.Id).Sum(v => v.PartCount) > LargeHistoryParts)
                    .OrderBy(c => c.Id).Select(c => c.Id).Take(Math.Clamp(batchSize / 100, 1, 10)).ToListAsync(cancellationToken);
            }

            if (candidates.Count == 0)
            {
                return large.Count == 0 ? null : await EraseOneByOneAsync(scope, large, cancellationToken);
            }

            var ids = candidates.Select(c => c.Id).ToList();
            var confirmed = await cell.Writer.WriteAsync((db, ct) => MarkAsync(db, scope, due(db), ids, ct), cancellationToken);
            marked = [.. candidates.Where(c => confirmed.Contains(c.Id))];
            if (marked.Count == 0)
            {
                // Every candidate was seen again (or held) meanwhile: look again.
                return new RetentionBatch(0, null);
            }
        }

        var contactIds = marked.Select(c => c.Id).ToList();
        await keys.ShredManyAsync(cell.Region, workspaceId, contactIds, cancellationToken);
        var writes = new List<Func<ConfideDbContext, CancellationToken, Task>>(_handlers.Count);
        foreach (var handler in _handlers)
        {
            writes.Add(await handler.EraseManyAsync(cell, workspaceId, contactIds, cancellationToken));
        }

        return new RetentionBatch(contactIds.Count, async (db, ct) =>
        {
            foreach (var write in writes)
            {
                await write(db, ct);
            }

            await db.PendingContactErasures.Where(p => p.WorkspaceId == workspaceId && contactIds.Contains(p.ContactId)).ExecuteDeleteAsync(ct);
            await db.Contacts.IgnoreQueryFilters()
                .Where(c => c.WorkspaceId == workspaceId && contactIds.Contains(c.Id) && c.ErasureStartedAt != null).ExecuteDeleteAsync(ct);
        });
    }

    /// <summary>What the dry run shows: the due contacts, counted, and a few ids.</summary>
    public static async Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, Func<ConfideDbContext, IQueryable<Contact>> due, CancellationToken cancellationToken)
    {
        await using var db = scope.Cell.CreateReadContext();
        var eligible = Eligible(db, scope, due(db));
        var count = await eligible.LongCountAsync(cancellationToken);
        var sample = await eligible.OrderBy(c => c.Id).Select(c => c.Id).Take(sampleSize).ToListAsync(cancellationToken);
        return new RetentionPreview(count, sample);
    }

    /// <summary>
    /// Due contacts a rule may erase: not held (<see cref="LegalHoldQueries"/>), not being erased
    /// already (the model's filter), and without an open privacy request (whoever handles it
    /// answers for the subject; the rule takes them once it is closed).
    /// </summary>
    private static IQueryable<Contact> Eligible(ConfideDbContext db, RetentionScope scope, IQueryable<Contact> due)
    {
        var held = db.HeldContactIds(scope.WorkspaceId, scope.Now);
        var workspaceHeld = db.ActiveHolds(scope.WorkspaceId, scope.Now).Any(h => h.TargetType == LegalHoldTargets.Workspace);
        var open = PrivacyRequestStates.Open;
        return due.Where(c => c.WorkspaceId == scope.WorkspaceId && !workspaceHeld && !held.Contains(c.Id)
            && !db.PrivacyRequests.Any(r => r.WorkspaceId == scope.WorkspaceId && r.ContactId == c.Id && open.Contains(r.State)));
    }

    /// <summary>Contacts marked by a batch of these rules and not purged yet (the per-contact path's notes carry a log entry; these none).</summary>
    private static IQueryable<Contact> Marked(ConfideDbContext db, string workspaceId)
    {
        var notes = db.PendingContactErasures.Where(p => p.WorkspaceId == workspaceId && p.ActorType == Actor.Type && p.ActorId == Actor.Id
            && p.ActorVia == Actor.Via && p.LogEntry == null).Select(p => p.ContactId);
        return db.Contacts.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.ErasureStartedAt != null && notes.Contains(c.Id));
    }

    private static IQueryable<Conversation> PartsOf(ConfideDbContext db, string workspaceId) =>
        db.Conversations.IgnoreQueryFilters().Where(v => v.WorkspaceId == workspaceId);

    private static async Task<List<Candidate>> CandidatesAsync(ConfideDbContext db, string workspaceId, IQueryable<Contact> contacts, int batchSize, CancellationToken cancellationToken)
    {
        var parts = PartsOf(db, workspaceId);
        var rows = await contacts.OrderBy(c => c.Id)
            .Select(c => new { c.Id, Parts = parts.Where(v => v.ContactId == c.Id).Sum(v => v.PartCount) })
            .Take(batchSize).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new Candidate(r.Id, r.Parts))];
    }

    /// <summary>The longest prefix within the part budget (at least one contact).</summary>
    private static List<Candidate> Bounded(List<Candidate> candidates, int partBudget)
    {
        var taken = new List<Candidate>(candidates.Count);
        var parts = 0;
        foreach (var candidate in candidates)
        {
            if (taken.Count > 0 && parts + candidate.Parts > partBudget)
            {
                break;
            }

            parts += candidate.Parts;
            taken.Add(candidate);
        }

        return taken;
    }

    /// <summary>
    /// Step one of a batch, in the writer: the candidates still due (seen again or held meanwhile
    /// are left) vanish for every reader, as an erasure's acknowledgement does: erasure started,
    /// lookups cleared (their address or visitor id can start afresh), conversations hidden, a pending note each.
    /// </summary>
    private static async Task<HashSet<string>> MarkAsync(ConfideDbContext db, RetentionScope scope, IQueryable<Contact> due, List<string> candidates, CancellationToken ct)
    {
        var workspaceId = scope.WorkspaceId;
        var ids = await Eligible(db, scope, due).Where(c => candidates.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
        if (ids.Count == 0)
        {
            return [];
        }

        var now = scope.Now;
        await db.Contacts.Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.ErasureStartedAt, now)
            .SetProperty(c => c.EmailLookup, (string?)null)
            .SetProperty(c => c.ExternalIdLookup, (string?)null)
            .SetProperty(c => c.PhoneLookup, (string?)null)
            .SetProperty(c => c.VisitorLookup, (string?)null), ct);
        await db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && ids.Contains(c.ContactId))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ErasureStartedAt, now), ct);
        var known = await db.PendingContactErasures.Where(p => ids.Contains(p.ContactId)).Select(p => p.ContactId).ToListAsync(ct);
        db.PendingContactErasures.AddRange(ids.Except(known).Select(id => new PendingContactErasure
        {
            ContactId = id, WorkspaceId = workspaceId, RequestedAt = now,
            ActorType = Actor.Type, ActorId = Actor.Id, ActorVia = Actor.Via,
        }));
        return [.. ids];
    }

    /// <summary>Contacts with long histories: each through the per-contact erasure (its durable purge, its receipt).</summary>
    private async Task<RetentionBatch> EraseOneByOneAsync(RetentionScope scope, List<string> contactIds, CancellationToken cancellationToken)
    {
        var erased = 0;
        foreach (var contactId in contactIds)
        {
            try
            {
                await erasure.EraseAsync(scope.Cell, scope.WorkspaceId, contactId, Actor, cancellationToken);
                erased++;
            }
            catch (ConfideException e) when (e.Error.Status is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
            {
                // Erased meanwhile by someone else, or held since it was read: left.
            }
        }

        return new RetentionBatch(erased, null);
    }
}
