using System.Text.Json.Nodes;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Exports;

/// <summary>
/// Reads and opens what is stored about one contact: the profile and everything small in one
/// go, the conversation parts in keyset-ordered batches (conversation id, then sequence).
/// Only rows of the subject's workspace naming the subject's contact id are read.
/// </summary>
public sealed class SubjectExportReader(ContactKeyRing contactKeys, WorkspaceKeyRing workspaceKeys)
{
    private static readonly Type ContactType = typeof(Contact);

    internal async Task<(IReadOnlyList<ExportRecord> Records, long PartCount)> ProfileAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken ct)
    {
        var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contactId, ct);
        var workforce = await workspaceKeys.WorkforceAsync(cell, workspaceId, ct);
        await using var db = cell.CreateReadContext();
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == contactId, ct)
            ?? throw new ContactErasedException();
        var records = new List<ExportRecord>
        {
            ExportRecord.Of(ContactType, contact.Id, [],
                (nameof(Contact.EncryptedExternalId), ExportRecord.Text(cipher.ExternalId(contact))),
                (nameof(Contact.EncryptedEmail), ExportRecord.Text(cipher.Email(contact))),
                (nameof(Contact.EncryptedPhone), ExportRecord.Text(cipher.Phone(contact))),
                (nameof(Contact.EncryptedName), ExportRecord.Text(cipher.Name(contact))),
                (nameof(Contact.EncryptedCustomAttributes), ExportRecord.Json(cipher.CustomAttributes(contact))),
                (nameof(Contact.LastSeenAt), ExportRecord.Time(contact.LastSeenAt)),
                (nameof(Contact.SignedUpAt), ExportRecord.Time(contact.SignedUpAt)),
                (nameof(Contact.Role), ExportRecord.Text(contact.Role)),
                (nameof(Contact.Archived), JsonValue.Create(contact.Archived)),
                (nameof(Contact.CreatedAt), ExportRecord.Time(contact.CreatedAt)),
                (nameof(Contact.UpdatedAt), ExportRecord.Time(contact.UpdatedAt))),
        };

        var tags = await db.ContactTags.AsNoTracking().Where(t => t.WorkspaceId == workspaceId && t.ContactId == contactId)
            .Join(db.Tags.Where(t => t.WorkspaceId == workspaceId), ct2 => ct2.TagId, t => t.Id, (applied, tag) => new { applied, tag.Name })
            .OrderBy(t => t.applied.TagId).ToListAsync(ct);
        records.AddRange(tags.Select(t => ExportRecord.Of(typeof(ContactTag), t.applied.TagId, [new("name", t.Name)],
            (nameof(ContactTag.TagId), ExportRecord.Text(t.applied.TagId)), (nameof(ContactTag.CreatedAt), ExportRecord.Time(t.applied.CreatedAt)))));

        // The companies the subject is attached to, named as the workspace knows them (the company's custom attributes are the workspace's, not the subject's).
        var companies = await db.ContactCompanies.AsNoTracking().Where(l => l.WorkspaceId == workspaceId && l.ContactId == contactId)
            .Join(db.Companies.Where(c => c.WorkspaceId == workspaceId), l => l.CompanyId, c => c.Id, (link, company) => new { link, company.ExternalId, company.Name })
            .OrderBy(c => c.link.CompanyId).ToListAsync(ct);
        records.AddRange(companies.Select(c => ExportRecord.Of(typeof(ContactCompany), c.link.CompanyId,
            [new("external_company_id", c.ExternalId), new("name", c.Name)],
            (nameof(ContactCompany.CompanyId), ExportRecord.Text(c.link.CompanyId)), (nameof(ContactCompany.CreatedAt), ExportRecord.Time(c.link.CreatedAt)))));
        var conversationTags = await db.ConversationTags.AsNoTracking()
            .Where(t => t.WorkspaceId == workspaceId && db.Conversations.Any(c => c.Id == t.ConversationId && c.WorkspaceId == workspaceId && c.ContactId == contactId))
            .Join(db.Tags.Where(t => t.WorkspaceId == workspaceId), link => link.TagId, t => t.Id, (applied, tag) => new { applied, tag.Name })
            .OrderBy(t => t.applied.ConversationId).ThenBy(t => t.applied.TagId).ToListAsync(ct);
        records.AddRange(conversationTags.Select(t => ExportRecord.Of(typeof(ConversationTag), t.applied.TagId,
            [new("name", t.Name), new("conversation_id", t.applied.ConversationId)],
            (nameof(ConversationTag.TagId), ExportRecord.Text(t.applied.TagId)), (nameof(ConversationTag.CreatedAt), ExportRecord.Time(t.applied.CreatedAt)))));

        // Other contacts' conversations the subject was attached to (their own conversations are below).
        var attached = await db.ConversationParticipants.AsNoTracking().Where(p => p.WorkspaceId == workspaceId && p.ContactId == contactId)
            .OrderBy(p => p.ConversationId).ToListAsync(ct);
        records.AddRange(attached.Select(p => ExportRecord.Of(typeof(ConversationParticipant), p.ConversationId, [new("admin_id", p.AddedById)],
            (nameof(ConversationParticipant.ConversationId), ExportRecord.Text(p.ConversationId)), (nameof(ConversationParticipant.CreatedAt), ExportRecord.Time(p.CreatedAt)))));

        var notes = await db.Notes.AsNoTracking().Where(n => n.WorkspaceId == workspaceId && n.ContactId == contactId).OrderBy(n => n.Id).ToListAsync(ct);
        records.AddRange(notes.Select(n => ExportRecord.Of(typeof(Note), n.Id,
            [new("author_id", n.AuthorId), new("created_at", ExportRecord.Time(n.CreatedAt))],
            (nameof(Note.EncryptedBody), ExportRecord.Text(cipher.Body(n))))));

        var conversations = await db.Conversations.AsNoTracking().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId).OrderBy(c => c.Id).ToListAsync(ct);
        records.AddRange(conversations.Select(c => ExportRecord.Of(typeof(Conversation), c.Id,
            [new("state", c.State), new("created_at", ExportRecord.Time(c.CreatedAt)), new("parts", c.PartCount)],
            (nameof(Conversation.EncryptedTitle), ExportRecord.Text(cipher.Title(c))),
            (nameof(Conversation.EncryptedCustomAttributes), ExportRecord.Json(c.EncryptedCustomAttributes is null ? null : cipher.CustomAttributes(c))),
            (nameof(Conversation.Rating), c.Rating is { } rating ? JsonValue.Create(rating) : null),
            (nameof(Conversation.EncryptedRatingRemark), ExportRecord.Text(cipher.RatingRemark(c))),
            (nameof(Conversation.RatedAt), ExportRecord.Time(c.RatedAt)))));

        // Data events and summaries, oldest first: the name and time, how many, and the opened metadata.
        var events = await db.DataEvents.AsNoTracking().Where(e => e.WorkspaceId == workspaceId && e.ContactId == contactId)
            .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).ToListAsync(ct);
        records.AddRange(events.Select(e => ExportRecord.Of(typeof(DataEvent), e.Id, [new("stored_at", ExportRecord.Time(e.CreatedAt))],
            (nameof(DataEvent.Name), ExportRecord.Text(e.Name)),
            (nameof(DataEvent.OccurredAt), ExportRecord.Time(e.OccurredAt)),
            (nameof(DataEvent.FirstOccurredAt), ExportRecord.Time(e.FirstOccurredAt)),
            (nameof(DataEvent.Count), JsonValue.Create(e.Count)),
            (nameof(DataEvent.EncryptedMetadata), ExportRecord.Json(cipher.Metadata(e))))));

        // The consent records: every change of the subject's subscriptions, oldest first, with the type's name and who made it.
        var consents = await db.ContactSubscriptionChanges.AsNoTracking().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId)
            .OrderBy(c => c.ChangedAt).ThenBy(c => c.Id).ToListAsync(ct);
        var typeNames = await SubscriptionTypeNamesAsync(db, workspaceId, [.. consents.Select(c => c.SubscriptionTypeId).Distinct()], ct);
        records.AddRange(consents.Select(c => ExportRecord.Of(typeof(ContactSubscriptionChange), c.Id,
            [new("subscription_type_name", typeNames.GetValueOrDefault(c.SubscriptionTypeId)), new("changed_by_type", c.ActorType), new("changed_by_id", c.ActorId), new("via", c.Via)],
            (nameof(ContactSubscriptionChange.SubscriptionTypeId), ExportRecord.Text(c.SubscriptionTypeId.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (nameof(ContactSubscriptionChange.ConsentType), ExportRecord.Text(c.ConsentType)),
            (nameof(ContactSubscriptionChange.Attached), JsonValue.Create(c.Attached)),
            (nameof(ContactSubscriptionChange.ChangedAt), ExportRecord.Time(c.ChangedAt)))));

        var requests = await db.PrivacyRequests.AsNoTracking().Where(r => r.WorkspaceId == workspaceId && r.ContactId == contactId).OrderBy(r => r.Id).ToListAsync(ct);
        records.AddRange(requests.Select(r => ExportRecord.Of(typeof(PrivacyRequest), r.Id,
            [new("kind", r.Kind), new("state", r.State), new("received_at", ExportRecord.Time(r.ReceivedAt)), new("due_at", ExportRecord.Time(r.DeadlineAt))],
            (nameof(PrivacyRequest.EncryptedSubjectEmail), Open(workforce, r, "email", r.EncryptedSubjectEmail)),
            (nameof(PrivacyRequest.EncryptedSubjectExternalId), Open(workforce, r, "external_id", r.EncryptedSubjectExternalId)),
            (nameof(PrivacyRequest.EncryptedSubjectPhone), Open(workforce, r, "phone", r.EncryptedSubjectPhone)),
            (nameof(PrivacyRequest.EncryptedExtensionReason), Open(workforce, r, "extension_reason", r.EncryptedExtensionReason)),
            (nameof(PrivacyRequest.EncryptedStateReason), Open(workforce, r, "state_reason", r.EncryptedStateReason)))));

        var partCount = await Parts(db, workspaceId, contactId).LongCountAsync(ct);
        return (records, partCount);
    }

    /// <summary>The default name of each subscription type, by id (the workspace's own words, shown so the subject can read the record).</summary>
    private static async Task<Dictionary<long, string?>> SubscriptionTypeNamesAsync(ConfideDbContext db, string workspaceId, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var types = await db.SubscriptionTypes.AsNoTracking().Where(t => t.WorkspaceId == workspaceId && ids.Contains(t.Id)).ToListAsync(ct);
        return types.ToDictionary(t => t.Id, t => SubscriptionTypeTranslations.DefaultName(t.Translations));
    }

    /// <summary>The next parts after (<paramref name="afterConversation"/>, <paramref name="afterSequence"/>), opened.</summary>
    internal async Task<IReadOnlyList<ExportRecord>> PartsAsync(CellDatabase cell, string workspaceId, string contactId, string? afterConversation, int afterSequence, int limit, CancellationToken ct)
    {
        var cipher = await contactKeys.ForContactAsync(cell, workspaceId, contactId, ct);
        await using var db = cell.CreateReadContext();
        var parts = Parts(db, workspaceId, contactId);
        if (afterConversation is not null)
        {
            parts = parts.Where(p => string.Compare(p.ConversationId, afterConversation) > 0 || (p.ConversationId == afterConversation && p.Sequence > afterSequence));
        }

        var batch = await parts.OrderBy(p => p.ConversationId).ThenBy(p => p.Sequence).Take(limit).ToListAsync(ct);
        return [.. batch.Select(p => ExportRecord.Of(typeof(ConversationPart), p.Id,
            [
                new("conversation_id", p.ConversationId), new("sequence", p.Sequence), new("part_type", p.PartType),
                new("author_type", p.AuthorType), new("author_id", p.AuthorId), new("created_at", ExportRecord.Time(p.CreatedAt)),
                new("redacted", p.Redacted),
            ],
            (nameof(ConversationPart.EncryptedBody), ExportRecord.Text(cipher.Body(p)))))];
    }

    /// <summary>
    /// The next <paramref name="limit"/> entries of the workspace's log after sequence
    /// <paramref name="afterSequence"/>, and those of them that name the contact (as their target
    /// or as <c>contact_id</c> in their metadata). Entries are sealed with no clear column naming
    /// the contact, so the whole log is read, a batch per step. Who performed an entry (a
    /// teammate's email and IP address) is not the subject's data and is left out.
    /// </summary>
    internal async Task<(long? LastSequence, IReadOnlyList<ExportRecord> Naming)> ActivityAsync(CellDatabase cell, string workspaceId, string contactId, long afterSequence, int limit, CancellationToken ct)
    {
        var workforce = await workspaceKeys.WorkforceAsync(cell, workspaceId, ct);
        List<ActivityLogEntry> rows;
        await using (var db = cell.CreateReadContext())
        {
            rows = await db.ActivityLogEntries.AsNoTracking().Where(e => e.WorkspaceId == workspaceId && e.Sequence > afterSequence)
                .OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        }

        var naming = new List<ExportRecord>();
        foreach (var row in rows)
        {
            var entry = Audit.ActivityEntry.Parse(Audit.ActivityLog.Open(workforce, row));
            var names = entry.Target?.Id == contactId
                || (entry.Metadata?["contact_id"] is JsonValue value && value.TryGetValue<string>(out var id) && id == contactId);
            if (names)
            {
                naming.Add(ExportRecord.Of(typeof(ActivityLogEntry), entry.Id,
                    [
                        new("sequence", entry.Sequence), new("created_at", DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtMs).ToUnixTimeSeconds()),
                        new("activity_type", entry.ActivityType), new("performed_via", entry.PerformedVia),
                        new("target", entry.Target is null ? null : new JsonObject { ["type"] = entry.Target.Type, ["id"] = entry.Target.Id }),
                        new("metadata", entry.Metadata?.DeepClone()),
                    ],
                    (nameof(ActivityLogEntry.EncryptedEntry), ExportRecord.Text(entry.Description))));
            }
        }

        return (rows.Count == 0 ? null : rows[^1].Sequence, naming);
    }

    private static IQueryable<ConversationPart> Parts(ConfideDbContext db, string workspaceId, string contactId) =>
        db.ConversationParts.AsNoTracking().Where(p => p.WorkspaceId == workspaceId
            && db.Conversations.Any(c => c.Id == p.ConversationId && c.WorkspaceId == workspaceId && c.ContactId == contactId));

    private static JsonValue? Open(WorkforceCipher workforce, PrivacyRequest request, string field, byte[]? sealedValue) =>
        sealedValue is null ? null : JsonValue.Create(workforce.OpenPrivacyRequestField(request.Id, field, sealedValue));
}
