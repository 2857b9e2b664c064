using Confide.Audit;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.Exports;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Privacy;

/// <summary>
/// The privacy centre's download of an export's archive: the short-lived link the request's page
/// shows (<c>?token=…</c>, the same token as the API's link), for a teammate with
/// <c>privacy_requests.manage</c>. A link that no longer works sends the teammate back to the
/// request, which shows why and a fresh link.
/// </summary>
[PagePermission(Permissions.PrivacyRequestsManage)]
public sealed class ExportDownloadModel(TeammateMemberships memberships, CurrentCell cell, SubjectExportCommands exports)
    : TeammatePageModel(memberships, cell)
{
    public async Task<IActionResult> OnGetAsync(string id, string? token, CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        SubjectExportView export;
        try
        {
            export = await exports.GetAsync(Cell.Database, Current.WorkspaceId, id, ct);
        }
        catch (ConfideException)
        {
            return NotFound();
        }

        try
        {
            var actor = ActivityActor.Teammate(Current.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
            var archive = await exports.OpenDownloadAsync(Cell.Database, Current.WorkspaceId, id, token, actor, ct);
            return File(archive, "application/zip", $"subject-export-{export.Id}.zip");
        }
        catch (ConfideException refused)
        {
            TempData[RequestModel.ErrorKey] = refused.Error.Message;
            return Redirect($"/app/privacy/requests/{Uri.EscapeDataString(export.PrivacyRequestId)}?workspace={Uri.EscapeDataString(Current.WorkspaceId)}");
        }
    }
}
