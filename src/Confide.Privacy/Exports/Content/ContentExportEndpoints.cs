using System.Text.Json;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// Intercom's Data Export operations, behind <c>data.export</c> (the file holds contacts' emails
/// and names, so reading a job's state needs the same permission as downloading it).
/// </summary>
internal static class ContentExportEndpoints
{
    public const string Route = "/export/content/data";
    public const string CancelRoute = "/export/cancel";
    public const string DownloadRoute = "/download/content/data";

    public static void MapContentExportEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost(Route, StartAsync).RequirePermission(Permissions.DataExport);
        api.MapGet($"{Route}/{{id}}", GetAsync).RequirePermission(Permissions.DataExport);
        api.MapPost($"{CancelRoute}/{{id}}", CancelAsync).RequirePermission(Permissions.DataExport);
        api.MapGet($"{DownloadRoute}/{{id}}", DownloadAsync).RequirePermission(Permissions.DataExport);
    }

    private static async Task<Ok<ContentExportView>> StartAsync(HttpRequest request, ApiCaller caller, CurrentCell cell, ContentExportCommands exports, JsonElement body, CancellationToken ct) =>
        TypedResults.Ok(await exports.StartAsync(cell.Database, caller.WorkspaceId, body, caller.Actor, Origin(request), ct));

    private static async Task<Ok<ContentExportView>> GetAsync(HttpRequest request, ApiCaller caller, CurrentCell cell, ContentExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Ok(await exports.GetAsync(cell.Database, caller.WorkspaceId, id, Origin(request), ct));

    private static async Task<Ok<ContentExportView>> CancelAsync(HttpRequest request, ApiCaller caller, CurrentCell cell, ContentExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Ok(await exports.CancelAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, Origin(request), ct));

    /// <summary>Intercom serves the gzipped CSV as <c>application/octet-stream</c>, without a content encoding: the client gets the .gz file itself.</summary>
    private static async Task<FileStreamHttpResult> DownloadAsync(ApiCaller caller, CurrentCell cell, ContentExportCommands exports, string id, CancellationToken ct) =>
        TypedResults.Stream(await exports.OpenDownloadAsync(cell.Database, caller.WorkspaceId, id, caller.Actor, ct), "application/octet-stream", $"data-export-{id}.csv.gz");

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}
