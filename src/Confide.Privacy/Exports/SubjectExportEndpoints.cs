using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confide.Privacy.Exports;

/// <summary>
/// Access/portability exports: started from an access request, read, linked and downloaded, all
/// behind <c>privacy_requests.manage</c> (the download also needs the link's token).
/// </summary>
internal static class SubjectExportEndpoints
{
    public const string Route = "/confide/exports";

    public static void MapSubjectExportEndpoints(this IEndpointRouteBuilder api)
    {
        var requests = api.MapGroup(Requests.PrivacyRequestEndpoints.Route).RequirePermission(Permissions.PrivacyRequestsManage);
        requests.MapPost("/{id}/export", StartAsync);
        requests.MapGet("/{id}/export", ForRequestAsync);
        var exports = api.MapGroup(Route).RequirePermission(Permissions.PrivacyRequestsManage);
        exports.MapGet("/{id}", GetAsync);
        exports.MapPost("/{id}/link", LinkAsync);
        exports.MapGet("/{id}/download", DownloadAsync);
    }

    private static async Task<Ok<SubjectExportView>> StartAsync(ApiCaller caller, CurrentCell cell, SubjectExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Ok(await exports.StartAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, ct));

    private static async Task<Ok<SubjectExportView>> ForRequestAsync(ApiCaller caller, CurrentCell cell, SubjectExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Ok(await exports.ForRequestAsync(cell.Database, caller.WorkspaceId, id, ct));

    private static async Task<Ok<SubjectExportView>> GetAsync(ApiCaller caller, CurrentCell cell, SubjectExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Ok(await exports.GetAsync(cell.Database, caller.WorkspaceId, id, ct));

    private static async Task<Ok<SubjectExportLinkView>> LinkAsync(ApiCaller caller, CurrentCell cell, SubjectExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Ok(await exports.LinkAsync(cell.Database, caller.WorkspaceId, id, Route, ct));

    private static async Task<FileStreamHttpResult> DownloadAsync(ApiCaller caller, CurrentCell cell, SubjectExportCommands exports, string id, string? token, CancellationToken ct) =>
        TypedResults.Stream(await exports.OpenDownloadAsync(cell.Database, caller.WorkspaceId, id, token, caller.Actor, ct), "application/zip", $"subject-export-{id}.zip");
}
