using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Subscriptions;

/// <summary>
/// A contact's subscriptions, as Intercom models them: attaching a contact to an <c>opt_in</c>
/// type opts them in, to an <c>opt_out</c> type opts them out; detaching returns them to the
/// type's default. Each change is a new <see cref="ContactSubscriptionChange"/> row (the consent
/// record: what, who, through what, when) and an activity-log entry (ids and consent type only),
/// written in one transaction. Repeating the current state changes and records nothing.
/// </summary>
internal sealed class ContactSubscriptionCommands(ActivityLog log, TimeProvider time)
{
    public async Task<SubscriptionType> AttachAsync(CellDatabase cell, ApiCaller caller, string contactId, ContactSubscriptionInput input, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(input.Id))
        {
            throw new ConfideException(ConfideError.ParameterMissing("id"));
        }

        var consentType = input.ConsentType switch
        {
            null or "" => throw new ConfideException(ConfideError.ParameterMissing("consent_type")),
            ConsentTypes.OptIn => ConsentTypes.OptIn,
            ConsentTypes.OptOut => ConsentTypes.OptOut,
            _ => throw new ConfideException(ConfideError.ParameterInvalid("consent_type must be 'opt_in' or 'opt_out'")),
        };
        var typeId = SubscriptionTypeCommands.ParseId(input.Id.Trim());
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureContactAsync(db, caller.WorkspaceId, contactId, ct);
            var type = await FindTypeAsync(db, caller.WorkspaceId, typeId, ct);
            if (type.ConsentType != consentType)
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"consent_type must be this subscription type's, {type.ConsentType}"));
            }

            if (type.State != SubscriptionTypeStates.Live)
            {
                // Leaving (detaching) is always possible; joining only a type that is in use.
                throw new ConfideException(ConfideError.ParameterInvalid($"The subscription type is {type.State}; only a live one can be attached"));
            }

            if (await IsAttachedAsync(db, caller.WorkspaceId, contactId, type.Id, ct) != true)
            {
                await RecordAsync(db, cell, caller, contactId, type, attached: true, ct);
            }

            return type;
        }, cancellationToken);
    }

    public async Task<SubscriptionType> DetachAsync(CellDatabase cell, ApiCaller caller, string contactId, string subscriptionId, CancellationToken cancellationToken)
    {
        var typeId = SubscriptionTypeCommands.ParseId(subscriptionId);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            await EnsureContactAsync(db, caller.WorkspaceId, contactId, ct);
            var type = await FindTypeAsync(db, caller.WorkspaceId, typeId, ct);
            if (await IsAttachedAsync(db, caller.WorkspaceId, contactId, type.Id, ct) == true)
            {
                await RecordAsync(db, cell, caller, contactId, type, attached: false, ct);
            }

            return type;
        }, cancellationToken);
    }

    /// <summary>The types the contact is attached to now (their newest record for the type is an attachment), by id.</summary>
    public static async Task<IReadOnlyList<SubscriptionType>> AttachedAsync(ConfideDbContext db, string workspaceId, string contactId, CancellationToken ct)
    {
        var changes = await db.ContactSubscriptionChanges.AsNoTracking()
            .Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId)
            .Select(c => new { c.SubscriptionTypeId, c.Attached, c.ChangedAt, c.Id })
            .ToListAsync(ct);
        var attached = changes
            .GroupBy(c => c.SubscriptionTypeId)
            .Where(g => g.OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.Id, StringComparer.Ordinal).First().Attached)
            .Select(g => g.Key)
            .ToList();
        return await db.SubscriptionTypes.AsNoTracking().Where(t => t.WorkspaceId == workspaceId && attached.Contains(t.Id)).OrderBy(t => t.Id).ToListAsync(ct);
    }

    private async Task RecordAsync(ConfideDbContext db, CellDatabase cell, ApiCaller caller, string contactId, SubscriptionType type, bool attached, CancellationToken ct)
    {
        db.ContactSubscriptionChanges.Add(new ContactSubscriptionChange
        {
            Id = PublicIds.NewEntityId(time), WorkspaceId = caller.WorkspaceId, ContactId = contactId, SubscriptionTypeId = type.Id,
            ConsentType = type.ConsentType, Attached = attached, ChangedAt = time.GetUtcNow(),
            ActorType = ActivityActor.AdminType, ActorId = caller.TeammateId, Via = caller.Actor.Via,
        });
        await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
            attached ? ActivityTypes.ContactSubscriptionAdded : ActivityTypes.ContactSubscriptionRemoved, caller.Actor,
            attached ? "A contact was attached to a subscription type." : "A contact was detached from a subscription type.",
            new ActivityTarget("contact", contactId), new JsonObject
            {
                ["contact_id"] = contactId,
                ["subscription_type_id"] = SubscriptionTypeCommands.IdText(type.Id),
                ["consent_type"] = type.ConsentType,
            }), ct);
    }

    /// <summary>True or false from the contact's newest record for the type; null when they never had one.</summary>
    private static async Task<bool?> IsAttachedAsync(ConfideDbContext db, string workspaceId, string contactId, long typeId, CancellationToken ct) =>
        await db.ContactSubscriptionChanges
            .Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId && c.SubscriptionTypeId == typeId)
            .OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.Id)
            .Select(c => (bool?)c.Attached)
            .FirstOrDefaultAsync(ct);

    private static async Task EnsureContactAsync(ConfideDbContext db, string workspaceId, string contactId, CancellationToken ct)
    {
        if (!await db.Contacts.InWorkspace(workspaceId).AnyAsync(c => c.Id == contactId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }
    }

    private static async Task<SubscriptionType> FindTypeAsync(ConfideDbContext db, string workspaceId, long? typeId, CancellationToken ct) =>
        typeId is { } id
            ? await db.SubscriptionTypes.AsNoTracking().FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == id, ct) ?? throw SubscriptionTypeCommands.NotFound()
            : throw SubscriptionTypeCommands.NotFound();
}
