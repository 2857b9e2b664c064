using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Admins;
using Confide.Messaging.Api;
using Confide.Messaging.Contacts;
using Confide.Messaging.Teams;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Notes;

internal static class NoteEndpoints
{
    public static void MapNoteEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/contacts/{contactId}/notes", CreateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapGet("/contacts/{contactId}/notes", ListAsync).RequirePermission(Permissions.ContactsRead);
        api.MapGet("/notes/{id}", GetAsync).RequirePermission(Permissions.ContactsRead);
    }

    /// <summary>Intercom's note; its author is the full admin object, as Intercom's description has it.</summary>
    internal sealed record NoteView(string Id, long CreatedAt, NoteContactView Contact, AdminEndpoints.AdminView Author, string Body)
    {
        public string Type { get; } = "note";
    }

    internal sealed record NoteContactView(string Id)
    {
        public string Type { get; } = "contact";
    }

    /// <summary>Notes are paged by page number, as Intercom's SDK expects for this list.</summary>
    internal sealed record NotePagesView(int Page, int PerPage, int TotalPages)
    {
        public string Type { get; } = "pages";
        public object? Next { get; }
    }

    internal sealed record NoteListView(IReadOnlyList<NoteView> Data, int TotalCount, NotePagesView Pages)
    {
        public string Type { get; } = "list";
    }

    internal sealed record NoteInput(string? Body, [property: System.Text.Json.Serialization.JsonConverter(typeof(IntercomIdConverter))] string? AdminId);

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, ActivityLog log, TimeProvider time, string contactId, NoteInput input, CancellationToken ct)
    {
        var body = Text.Required(input.Body, "body", 65_536);
        var authorId = input.AdminId is { Length: > 0 } adminId ? adminId : caller.TeammateId;
        await ActingAdmin.EnsureAllowedAsync(caller, cell.Database, authorId, ct);
        var note = await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            if (!await db.Contacts.InWorkspace(caller.WorkspaceId).AnyAsync(c => c.Id == contactId, token))
            {
                throw new ConfideException(ConfideError.NotFound("User"));
            }

            if (!await db.Teammates.AnyAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == authorId, token))
            {
                throw new ConfideException(ConfideError.NotFound("Admin"));
            }

            var cipher = await keys.ForContactAsync(cell.Database, caller.WorkspaceId, contactId, token);
            var id = PublicIds.NewEntityId(time);
            var created = new Note { Id = id, WorkspaceId = caller.WorkspaceId, ContactId = contactId, AuthorId = authorId, EncryptedBody = cipher.SealNoteBody(id, body), CreatedAt = time.GetUtcNow() };
            db.Notes.Add(created);
            // Ids only: a note's body is about an end user and never goes into the log.
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.ContactNoteCreation, caller.Actor, "A note was added to a contact.",
                new ActivityTarget("contact", contactId), new JsonObject { ["note_id"] = id, ["author_id"] = authorId }), token);
            return (created, cipher);
        }, ct);
        await using var read = cell.Database.CreateReadContext();
        var authors = await TeammateDirectory.LoadAsync(read, keys, cell.Database, caller.WorkspaceId, [note.created.AuthorId], ct);
        return TypedResults.Ok(View(note.created, note.cipher, authors, await TeamQueries.TeamsOfTeammatesAsync(read, caller.WorkspaceId, ct)));
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string contactId, int? page, [FromQuery(Name = "per_page")] int? perPage, CancellationToken ct)
    {
        var size = PageSize.Resolve(perPage, 50);
        var number = page ?? 1;
        if (number < 1)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("page must be 1 or more"));
        }

        await using var db = cell.Database.CreateReadContext();
        if (!await db.Contacts.InWorkspace(caller.WorkspaceId).AnyAsync(c => c.Id == contactId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }

        var notes = db.Notes.Where(n => n.WorkspaceId == caller.WorkspaceId && n.ContactId == contactId);
        var total = await notes.CountAsync(ct);
        // In long arithmetic and clamped to the total: page × per_page can pass int's range.
        var offset = (int)Math.Min((long)(number - 1) * size, total);
        var rows = offset >= total ? [] : await notes.OrderByDescending(n => n.Id).Skip(offset).Take(size).ToListAsync(ct);
        var authors = await TeammateDirectory.LoadAsync(db, keys, cell.Database, caller.WorkspaceId, rows.Select(n => n.AuthorId), ct);
        var cipher = await keys.ForContactAsync(cell.Database, caller.WorkspaceId, contactId, ct);
        var teams = await TeamQueries.TeamsOfTeammatesAsync(db, caller.WorkspaceId, ct);
        var views = rows.Select(n => View(n, cipher, authors, teams)).ToList();
        return TypedResults.Ok(new NoteListView(views, total, new NotePagesView(number, size, Math.Max(1, (int)Math.Ceiling(total / (double)size)))));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, ContactKeyRing keys, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var note = await db.Notes.FirstOrDefaultAsync(n => n.WorkspaceId == caller.WorkspaceId && n.Id == id, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Note"));
        var cipher = await keys.ForContactAsync(cell.Database, caller.WorkspaceId, note.ContactId, ct);
        var authors = await TeammateDirectory.LoadAsync(db, keys, cell.Database, caller.WorkspaceId, [note.AuthorId], ct);
        return TypedResults.Ok(View(note, cipher, authors, await TeamQueries.TeamsOfTeammatesAsync(db, caller.WorkspaceId, ct)));
    }

    private static NoteView View(Note note, ContactCipher cipher, TeammateDirectory authors, ILookup<string, string> teams)
    {
        var author = authors.Find(note.AuthorId) is { } profile ? AdminEndpoints.AdminView.From(profile, teams[profile.Id]) : AdminEndpoints.AdminView.Removed(note.AuthorId);
        return new NoteView(note.Id, Unix.Seconds(note.CreatedAt), new NoteContactView(note.ContactId), author, cipher.Body(note));
    }
}
