using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Segments;

/// <summary>
/// Creates, changes and deletes segments (saved contact filters; Confide's own endpoints, as
/// Intercom's API has none). The query is checked by compiling it as a contact search before
/// the writer runs, sealed under the workspace key, and never written to the activity log (a
/// filter's value may name a person): the log records the name, the person type and whether
/// the query changed.
/// </summary>
internal sealed class SegmentCommands(ActivityLog log, WorkspaceKeyRing keys, ILookupIndex lookup, Search.EncryptedSearch search, TimeProvider time)
{
    public const int MaxPerWorkspace = 250;
    public const int MaxNameLength = 255;
    public const int MaxQueryLength = 16_384;

    public async Task<(Segment Segment, JsonElement Query)> CreateAsync(CellDatabase cell, ApiCaller caller, SegmentInput input, CancellationToken cancellationToken)
    {
        var name = Text.Required(input.Name, "name", MaxNameLength);
        var personType = ValidPersonType(input.PersonType) ?? SegmentPersonTypes.User;
        var query = await ValidQueryAsync(cell, caller.WorkspaceId, input.Query ?? throw new ConfideException(ConfideError.ParameterMissing("query")), cancellationToken);
        var workforce = await keys.WorkforceAsync(cell, caller.WorkspaceId, cancellationToken);
        var id = PublicIds.NewEntityId(time);
        var now = time.GetUtcNow();
        var segment = new Segment
        {
            Id = id, WorkspaceId = caller.WorkspaceId, Name = name, PersonType = personType,
            EncryptedQuery = workforce.SealSegmentQuery(id, query.GetRawText()), AdminId = caller.TeammateId, CreatedAt = now, UpdatedAt = now,
        };
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var segments = db.Segments.Where(s => s.WorkspaceId == caller.WorkspaceId);
            if (await segments.AnyAsync(s => s.Name == name, ct))
            {
                throw new ConfideException(ConfideError.Conflict("A segment with this name already exists"));
            }

            if (await segments.CountAsync(ct) >= MaxPerWorkspace)
            {
                throw new ConfideException(ConfideError.ParameterInvalid($"A workspace can have at most {MaxPerWorkspace} segments"));
            }

            db.Segments.Add(segment);
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SegmentCreation, caller.Actor, "A segment was created.",
                new ActivityTarget("segment", id), new JsonObject { ["name"] = name, ["person_type"] = personType }), ct);
        }, cancellationToken);
        return (segment, query);
    }

    public async Task<(Segment Segment, JsonElement Query)> UpdateAsync(CellDatabase cell, ApiCaller caller, string id, SegmentInput input, CancellationToken cancellationToken)
    {
        var name = input.Name is null ? null : Text.Required(input.Name, "name", MaxNameLength);
        var personType = ValidPersonType(input.PersonType);
        JsonElement? query = input.Query is { } given ? await ValidQueryAsync(cell, caller.WorkspaceId, given, cancellationToken) : null;
        var workforce = await keys.WorkforceAsync(cell, caller.WorkspaceId, cancellationToken);
        var sealedQuery = query is { } q ? workforce.SealSegmentQuery(id, q.GetRawText()) : null;
        var segment = await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var row = await db.Segments.AsTracking().FirstOrDefaultAsync(s => s.WorkspaceId == caller.WorkspaceId && s.Id == id, ct)
                ?? throw NotFound();
            if (name is not null && name != row.Name && await db.Segments.AnyAsync(s => s.WorkspaceId == caller.WorkspaceId && s.Name == name, ct))
            {
                throw new ConfideException(ConfideError.Conflict("A segment with this name already exists"));
            }

            var before = new JsonObject { ["name"] = row.Name, ["person_type"] = row.PersonType };
            row.Name = name ?? row.Name;
            row.PersonType = personType ?? row.PersonType;
            row.EncryptedQuery = sealedQuery ?? row.EncryptedQuery;
            var after = new JsonObject { ["name"] = row.Name, ["person_type"] = row.PersonType };
            if (sealedQuery is not null || before.ToJsonString() != after.ToJsonString())
            {
                row.UpdatedAt = time.GetUtcNow();
                await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                    ActivityTypes.SegmentChange, caller.Actor, "A segment was changed.",
                    new ActivityTarget("segment", id), new JsonObject { ["before"] = before, ["after"] = after, ["query_changed"] = sealedQuery is not null }), ct);
            }

            return row;
        }, cancellationToken);
        return (segment, query ?? Parse(workforce.OpenSegmentQuery(segment.Id, segment.EncryptedQuery)));
    }

    public async Task DeleteAsync(CellDatabase cell, ApiCaller caller, string id, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var segment = await db.Segments.AsTracking().FirstOrDefaultAsync(s => s.WorkspaceId == caller.WorkspaceId && s.Id == id, ct)
                ?? throw NotFound();
            db.Segments.Remove(segment);
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SegmentDeletion, caller.Actor, "A segment was deleted.",
                new ActivityTarget("segment", id), new JsonObject { ["name"] = segment.Name, ["person_type"] = segment.PersonType }), ct);
        }, cancellationToken);

    public static ConfideException NotFound() => new(ConfideError.NotFound("Resource"));

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The contacts of a segment: the person type's role, and the query, as a contact search reads it.</summary>
    public static async Task<IQueryable<Contact>> MembersAsync(IQueryable<Contact> contacts, Segment segment, ContactSearchQuery search, JsonElement query, CancellationToken ct)
    {
        var role = segment.PersonType == SegmentPersonTypes.Lead ? ContactRoles.Lead : ContactRoles.User;
        Expression<Func<Contact, bool>> predicate = await search.CompileAsync(query, ct);
        return contacts.Where(c => c.Role == role).Where(predicate);
    }

    private static string? ValidPersonType(string? personType) => personType switch
    {
        null => null,
        SegmentPersonTypes.User or SegmentPersonTypes.Lead => personType,
        _ => throw new ConfideException(ConfideError.ParameterInvalid("person_type must be 'user' or 'contact' (leads)")),
    };

    /// <summary>A query that a contact search accepts (the same fields, operators and bounds), at most <see cref="MaxQueryLength"/> characters of JSON.</summary>
    private async Task<JsonElement> ValidQueryAsync(CellDatabase cell, string workspaceId, JsonElement query, CancellationToken ct)
    {
        if (query.ValueKind != JsonValueKind.Object)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("query must be an object"));
        }

        if (query.GetRawText().Length > MaxQueryLength)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"query must be at most {MaxQueryLength} characters of JSON"));
        }

        _ = await new ContactSearchQuery(await lookup.ForWorkspaceAsync(cell, workspaceId, ct), search, cell, workspaceId).CompileAsync(query, ct);
        return query.Clone();
    }
}
