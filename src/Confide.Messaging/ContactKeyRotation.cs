using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging;

/// <summary>
/// Rotates contact keys while servers keep serving: stores a new key version for the contact,
/// re-encrypts everything sealed under an older one (profile, conversation titles and parts,
/// notes, data events' metadata) in small batches, then destroys the older versions once nothing names them. Each
/// batch is one transaction; running it again after a crash continues (a contact holding more
/// than one key version has an unfinished rotation). The old versions are marked as retiring in
/// the <see cref="SealedKeyFence"/> before the re-sealing pass, so a server that still holds an
/// old version cannot store a value under it after the pass (ADR 0010).
/// </summary>
public sealed class ContactKeyRotation(ContactKeyRing contactKeys, TimeProvider time)
{
    /// <summary>
    /// Wait between storing the new versions and fencing off the old ones, longer than
    /// <see cref="ContactKeyRing.VersionFreshness"/>, so servers have moved on and the fence refuses nothing.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = ContactKeyRing.VersionFreshness * 2;

    public int BatchSize { get; init; } = 200;

    public readonly record struct Progress(int ContactsDone, int ContactsTotal, int ValuesResealed);

    public sealed record Result(int Contacts, int Resumed, int ValuesResealed, int VersionsDestroyed);

    /// <summary>Rotates the key of one contact, or of every contact of the workspace when <paramref name="contactId"/> is null.</summary>
    public async Task<Result> RunAsync(CellDatabase cell, string workspaceId, string? contactId, IProgress<Progress>? progress, CancellationToken cancellationToken)
    {
        List<string> contacts;
        await using (var db = cell.CreateReadContext())
        {
            contacts = await db.Contacts
                .Where(c => c.WorkspaceId == workspaceId && (contactId == null || c.Id == contactId))
                .OrderBy(c => c.Id)
                .Select(c => c.Id)
                .ToListAsync(cancellationToken);
        }

        if (contactId is not null && contacts.Count == 0)
        {
            throw new InvalidOperationException($"Contact {contactId} does not exist in workspace {workspaceId}.");
        }

        var store = await contactKeys.StoreAsync(cell.Region);
        int resumed = 0, resealed = 0, destroyed = 0, done = 0;
        var rotating = new List<(string ContactId, IReadOnlyList<Guid> OldKeyIds)>();
        foreach (var id in contacts)
        {
            var versions = await store.GetAsync(workspaceId, id, cancellationToken);
            if (versions.Count == 0)
            {
                continue; // erased meanwhile
            }

            if (versions.Count > 1)
            {
                resumed++;
            }
            else
            {
                await contactKeys.AddVersionAsync(cell, workspaceId, id, cancellationToken);
            }

            rotating.Add((id, [.. versions.Skip(versions.Count > 1 ? 1 : 0).Select(v => v.KeyId)]));
        }

        // Servers see the new versions within VersionFreshness: waiting first means they have moved
        // to them, so the fence below refuses no request of theirs in the ordinary case.
        await Task.Delay(GracePeriod, time, cancellationToken);

        // From here no unit can store a value sealed under an old version, and every one that
        // did has committed: one pass finds and re-seals them all. Only then are they destroyed.
        await SealedKeyFence.MarkRetiringAsync(cell, [.. rotating.SelectMany(r => r.OldKeyIds)], time, cancellationToken);
        foreach (var (id, _) in rotating)
        {
            resealed += await ResealAsync(cell, workspaceId, id, cancellationToken);
            done++;
            progress?.Report(new Progress(done, rotating.Count, resealed));
        }

        foreach (var (id, oldKeyIds) in rotating)
        {
            foreach (var old in oldKeyIds)
            {
                await contactKeys.DestroyVersionAsync(cell.Region, workspaceId, id, old, cancellationToken);
                destroyed++;
            }
        }

        return new Result(rotating.Count, resumed, resealed, destroyed);
    }

    /// <summary>Re-seals every value of one contact that is not under its current key version.</summary>
    private async Task<int> ResealAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contactId, cancellationToken);
        var count = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var changed = await ResealProfileAsync(db, cipher, workspaceId, contactId, ct);

            foreach (var conversation in await db.Conversations.AsTracking().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId).ToListAsync(ct))
            {
                if (cipher.NeedsResealing(conversation.EncryptedTitle))
                {
                    cipher.SetTitle(conversation, cipher.Title(conversation));
                    changed++;
                }

                if (cipher.NeedsResealing(conversation.EncryptedCustomAttributes))
                {
                    cipher.SetCustomAttributes(conversation, cipher.CustomAttributes(conversation));
                    changed++;
                }
            }

            foreach (var note in await db.Notes.AsTracking().Where(n => n.WorkspaceId == workspaceId && n.ContactId == contactId).ToListAsync(ct))
            {
                if (cipher.NeedsResealing(note.EncryptedBody))
                {
                    db.Entry(note).Property(n => n.EncryptedBody).CurrentValue = cipher.SealNoteBody(note.Id, cipher.Body(note));
                    changed++;
                }
            }

            return changed;
        }, cancellationToken);

        // Parts can be many: batches, each its own transaction, in id order.
        string? after = null;
        while (true)
        {
            var batch = await cell.Writer.WriteAsync(async (db, ct) =>
            {
                var parts = await db.ConversationParts.AsTracking()
                    .Where(p => p.WorkspaceId == workspaceId
                        && db.Conversations.Any(c => c.Id == p.ConversationId && c.ContactId == contactId)
                        && (after == null || string.Compare(p.Id, after) > 0))
                    .OrderBy(p => p.Id)
                    .Take(BatchSize)
                    .ToListAsync(ct);
                var changed = 0;
                foreach (var part in parts.Where(p => cipher.NeedsResealing(p.EncryptedBody)))
                {
                    cipher.SetBody(part, cipher.Body(part));
                    changed++;
                }

                return (Last: parts.Count == 0 ? null : parts[^1].Id, Changed: changed);
            }, cancellationToken);
            count += batch.Changed;
            if (batch.Last is null)
            {
                break;
            }

            after = batch.Last;
        }

        // Data events too: their metadata is sealed under the contact's key.
        after = null;
        while (true)
        {
            var batch = await cell.Writer.WriteAsync(async (db, ct) =>
            {
                var events = await db.DataEvents.AsTracking()
                    .Where(e => e.WorkspaceId == workspaceId && e.ContactId == contactId && (after == null || string.Compare(e.Id, after) > 0))
                    .OrderBy(e => e.Id)
                    .Take(BatchSize)
                    .ToListAsync(ct);
                var changed = 0;
                foreach (var dataEvent in events.Where(e => cipher.NeedsResealing(e.EncryptedMetadata)))
                {
                    db.Entry(dataEvent).Property(e => e.EncryptedMetadata).CurrentValue = cipher.SealEventMetadata(dataEvent.Id, cipher.Metadata(dataEvent));
                    changed++;
                }

                return (Last: events.Count == 0 ? null : events[^1].Id, Changed: changed);
            }, cancellationToken);
            count += batch.Changed;
            if (batch.Last is null)
            {
                return count;
            }

            after = batch.Last;
        }
    }

    /// <summary>
    /// The profile is the one sealed row a server may change meanwhile (PUT /contacts), in
    /// another process: the update applies only if every encrypted column is still what was
    /// read, and is retried from a fresh read otherwise, so no concurrent change is overwritten.
    /// </summary>
    private static async Task<int> ResealProfileAsync(ConfideDbContext db, ContactCipher cipher, string workspaceId, string contactId, CancellationToken ct)
    {
        while (true)
        {
            var read = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == contactId, ct);
            if (read is null)
            {
                return 0;
            }

            var resealed = new Contact { Id = read.Id, WorkspaceId = read.WorkspaceId, Role = read.Role };
            (resealed.EncryptedEmail, resealed.EncryptedExternalId, resealed.EncryptedPhone, resealed.EncryptedName, resealed.EncryptedCustomAttributes) =
                (read.EncryptedEmail, read.EncryptedExternalId, read.EncryptedPhone, read.EncryptedName, read.EncryptedCustomAttributes);
            var changed = Reseal(cipher, resealed);
            if (changed == 0)
            {
                return 0;
            }

            var applied = await db.Contacts
                .Where(c => c.Id == read.Id
                    && c.EncryptedEmail == read.EncryptedEmail && c.EncryptedExternalId == read.EncryptedExternalId && c.EncryptedPhone == read.EncryptedPhone
                    && c.EncryptedName == read.EncryptedName && c.EncryptedCustomAttributes == read.EncryptedCustomAttributes)
                .ExecuteUpdateAsync(
                    set => set
                        .SetProperty(c => c.EncryptedEmail, resealed.EncryptedEmail)
                        .SetProperty(c => c.EncryptedExternalId, resealed.EncryptedExternalId)
                        .SetProperty(c => c.EncryptedPhone, resealed.EncryptedPhone)
                        .SetProperty(c => c.EncryptedName, resealed.EncryptedName)
                        .SetProperty(c => c.EncryptedCustomAttributes, resealed.EncryptedCustomAttributes),
                    ct);
            if (applied == 1)
            {
                return changed;
            }
        }
    }

    private static int Reseal(ContactCipher cipher, Contact contact)
    {
        var changed = 0;
        if (cipher.NeedsResealing(contact.EncryptedEmail)) { cipher.SetEmail(contact, cipher.Email(contact)); changed++; }
        if (cipher.NeedsResealing(contact.EncryptedExternalId)) { cipher.SetExternalId(contact, cipher.ExternalId(contact)); changed++; }
        if (cipher.NeedsResealing(contact.EncryptedPhone)) { cipher.SetPhone(contact, cipher.Phone(contact)); changed++; }
        if (cipher.NeedsResealing(contact.EncryptedName)) { cipher.SetName(contact, cipher.Name(contact)); changed++; }
        if (cipher.NeedsResealing(contact.EncryptedCustomAttributes)) { cipher.SetCustomAttributes(contact, cipher.CustomAttributes(contact)); changed++; }
        return changed;
    }
}
