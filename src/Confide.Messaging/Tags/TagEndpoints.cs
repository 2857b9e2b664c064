using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Api;
using Confide.Messaging.Companies;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Tags;

internal static class TagEndpoints
{
    public static void MapTagEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/tags", CreateOrUpdateAsync).RequirePermission(Permissions.TagsManage);
        api.MapGet("/tags", ListAsync).RequirePermission(Permissions.ContactsRead);
        api.MapGet("/tags/{id}", GetAsync).RequirePermission(Permissions.ContactsRead);
        api.MapDelete("/tags/{id}", DeleteAsync).RequirePermission(Permissions.TagsManage);
        api.MapGet("/contacts/{contactId}/tags", ListForContactAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/contacts/{contactId}/tags", TagContactAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapDelete("/contacts/{contactId}/tags/{id}", UntagContactAsync).RequirePermission(Permissions.ContactsWrite);
    }

    internal sealed record TagView(string Id, string Name)
    {
        public string Type { get; } = "tag";

        public static TagView From(Tag tag) => new(tag.Id, tag.Name);
    }

    internal sealed record TagListView(IReadOnlyList<TagView> Data)
    {
        public string Type { get; } = "list";
    }

    internal sealed record AppliedTagListView(IReadOnlyList<AppliedTagView> Data)
    {
        public string Type { get; } = "list";
    }

    /// <param name="Companies">Tags (or, with <c>untag</c>, untags) these companies instead of creating or renaming the tag.</param>
    internal sealed record TagInput(string? Name, string? Id, IReadOnlyList<CompanyTagItem?>? Companies = null);

    private static async Task<IResult> CreateOrUpdateAsync(ApiCaller caller, CurrentCell cell, TimeProvider time, CompanyTagging companyTagging, TagInput input, CancellationToken cancellationToken)
    {
        if (input.Companies is { } companies)
        {
            return TypedResults.Ok(TagView.From(await companyTagging.TagAsync(cell.Database, caller.WorkspaceId, input.Name, companies, cancellationToken)));
        }

        var name = Text.Required(input.Name, "name", 255);
        var tag = await cell.Database.Writer.WriteAsync(async (db, ct) =>
        {
            var tags = db.Tags.Where(t => t.WorkspaceId == caller.WorkspaceId);
            if (input.Id is { Length: > 0 } id)
            {
                var existing = await tags.FirstOrDefaultAsync(t => t.Id == id, ct) ?? throw new ConfideException(ConfideError.NotFound("Tag"));
                if (await tags.AnyAsync(t => t.Name == name && t.Id != id, ct))
                {
                    throw new ConfideException(ConfideError.Conflict("A tag with this name already exists"));
                }

                existing.Name = name;
                return existing;
            }

            // Intercom's POST /tags creates or returns the tag with that name.
            var byName = await tags.FirstOrDefaultAsync(t => t.Name == name, ct);
            if (byName is not null)
            {
                return byName;
            }

            var created = new Tag { Id = PublicIds.NewEntityId(time), WorkspaceId = caller.WorkspaceId, Name = name, CreatedAt = time.GetUtcNow() };
            db.Tags.Add(created);
            return created;
        }, cancellationToken);
        return TypedResults.Ok(TagView.From(tag));
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var tags = await db.Tags.Where(t => t.WorkspaceId == caller.WorkspaceId).OrderBy(t => t.Name).ToListAsync(ct);
        return TypedResults.Ok(new TagListView([.. tags.Select(TagView.From)]));
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, string id, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var tag = await db.Tags.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == id, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Tag"));
        return TypedResults.Ok(TagView.From(tag));
    }

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, string id)
    {
        await cell.Database.Writer.WriteAsync(async (db, ct) =>
        {
            var tag = await db.Tags.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == id, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Tag"));
            // Its links go with it (the model cascades too): the conversations it was on lose it.
            await db.ConversationTags.Where(l => l.WorkspaceId == caller.WorkspaceId && l.TagId == id).ExecuteDeleteAsync(ct);
            db.Tags.Remove(tag);
        });
        return TypedResults.Ok();
    }

    private static async Task<IResult> ListForContactAsync(ApiCaller caller, CurrentCell cell, string contactId, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        if (!await db.Contacts.InWorkspace(caller.WorkspaceId).AnyAsync(c => c.Id == contactId, ct))
        {
            throw new ConfideException(ConfideError.NotFound("User"));
        }

        var applied = await db.ContactTags
            .Where(ct => ct.WorkspaceId == caller.WorkspaceId && ct.ContactId == contactId)
            .Join(db.Tags, link => link.TagId, tag => tag.Id, (link, tag) => new { link, tag })
            .OrderBy(t => t.tag.Name)
            .ToListAsync(ct);
        return TypedResults.Ok(new AppliedTagListView([.. applied.Select(a => AppliedTagView.From(a.tag, a.link))]));
    }

    private static async Task<IResult> TagContactAsync(ApiCaller caller, CurrentCell cell, TimeProvider time, string contactId, TagInput input)
    {
        var tagId = Text.Required(input.Id, "id", 64);
        var (tag, link) = await cell.Database.Writer.WriteAsync(async (db, ct) =>
        {
            var (_, tag) = await FindContactAndTagAsync(db, caller.WorkspaceId, contactId, tagId, ct);
            // Tagging again keeps the first application (when, and by whom).
            var existing = await db.ContactTags.AsNoTracking().FirstOrDefaultAsync(l => l.ContactId == contactId && l.TagId == tagId, ct);
            if (existing is not null)
            {
                return (tag, existing);
            }

            var created = new ContactTag { WorkspaceId = caller.WorkspaceId, ContactId = contactId, TagId = tagId, CreatedAt = time.GetUtcNow(), AppliedById = caller.TeammateId };
            db.ContactTags.Add(created);
            return (tag, created);
        });
        return TypedResults.Ok(AppliedTagView.From(tag, link));
    }

    private static async Task<IResult> UntagContactAsync(ApiCaller caller, CurrentCell cell, string contactId, string id)
    {
        var tag = await cell.Database.Writer.WriteAsync(async (db, ct) =>
        {
            var (_, tag) = await FindContactAndTagAsync(db, caller.WorkspaceId, contactId, id, ct);
            await db.ContactTags.Where(l => l.ContactId == contactId && l.TagId == id).ExecuteDeleteAsync(ct);
            return tag;
        });
        return TypedResults.Ok(TagView.From(tag));
    }

    private static async Task<(Contact Contact, Tag Tag)> FindContactAndTagAsync(ConfideDbContext db, string workspaceId, string contactId, string tagId, CancellationToken ct)
    {
        var contact = await db.Contacts.InWorkspace(workspaceId).AsNoTracking().FirstOrDefaultAsync(c => c.Id == contactId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("User"));
        var tag = await db.Tags.AsNoTracking().FirstOrDefaultAsync(t => t.WorkspaceId == workspaceId && t.Id == tagId, ct)
            ?? throw new ConfideException(ConfideError.NotFound("Tag"));
        return (contact, tag);
    }
}
