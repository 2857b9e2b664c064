using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.DataAttributes;

/// <summary>Intercom's data attributes: the built-in fields of contacts, companies and conversations, and the workspace's custom ones.</summary>
internal static class DataAttributeEndpoints
{
    public static void MapDataAttributeEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/data_attributes", ListAsync).RequirePermission(Permissions.ContactsRead);
        api.MapPost("/data_attributes", CreateAsync).RequirePermission(Permissions.ContactsWrite);
        api.MapPut("/data_attributes/{id}", UpdateAsync).RequirePermission(Permissions.ContactsWrite);
    }

    /// <summary>Every model's attributes, or one model's; built-in first, then custom ones by id; archived ones only on request.</summary>
    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, string? model, [FromQuery(Name = "include_archived")] bool? includeArchived, CancellationToken ct)
    {
        if (model is not null && !BuiltInAttributes.Models.Contains(model, StringComparer.Ordinal))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("model must be 'contact', 'company' or 'conversation'"));
        }

        IReadOnlyList<string> models = model is null ? BuiltInAttributes.Models : [model];
        var archived = includeArchived ?? false;
        await using var db = cell.Database.CreateReadContext();
        var custom = await db.DataAttributes
            .Where(a => a.WorkspaceId == caller.WorkspaceId && models.Contains(a.Model) && (archived || !a.Archived))
            .OrderBy(a => a.Id)
            .ToListAsync(ct);
        var views = models.SelectMany(m => BuiltInAttributes.Of(m).Concat(custom.Where(a => a.Model == m).Select(DataAttributeView.From))).ToList();
        return TypedResults.Ok(new DataAttributeListView(views));
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, DataAttributeCommands commands, DataAttributeInput input, CancellationToken ct) =>
        TypedResults.Ok(DataAttributeView.From(await commands.CreateAsync(cell.Database, caller, input, ct)));

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, DataAttributeCommands commands, string id, DataAttributeUpdateInput input, CancellationToken ct) =>
        TypedResults.Ok(DataAttributeView.From(await commands.UpdateAsync(cell.Database, caller, id, input, ct)));
}
