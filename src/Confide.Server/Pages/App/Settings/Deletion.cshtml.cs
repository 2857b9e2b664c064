using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.Workspaces;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Settings;

/// <summary>
/// "Delete workspace": an owner types the workspace's name, chooses a grace period and confirms
/// it is them (step-up); while the deletion is scheduled, any owner can cancel it here. The same
/// rules as <c>/confide/workspace_deletion</c> (<see cref="WorkspaceDeletionCommands"/>).
/// </summary>
[PagePermission(Permissions.WorkspaceDelete)]
public sealed class DeletionModel(TeammateMemberships memberships, CurrentCell cell, WorkspaceDeletionCommands commands)
    : TeammatePageModel(memberships, cell)
{
    [BindProperty]
    public string? ConfirmName { get; set; }

    [BindProperty]
    public int GraceDays { get; set; } = 7;

    public WorkspaceDeletionStatus? Status { get; private set; }

    public string? Message { get; private set; }

    public string? StepUpNotice { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(ct))
        {
            return NotFound();
        }

        if (StepUpResumption.Take(this) is not null)
        {
            // The name is typed again: a deletion is confirmed by what the owner does now, not by a form kept for them.
            StepUpNotice = StepUpResumption.NotAppliedMessage;
        }

        Status = await WorkspaceDeletionCommands.GetAsync(Cell.Database, Current!.WorkspaceId, ct);
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(ct))
        {
            return NotFound();
        }

        try
        {
            Status = await commands.ScheduleAsync(Cell.Database, Current!.WorkspaceId, ConfirmName, GraceDays, Actor, ct);
            Message = GraceDays == 0 ? "The workspace is being deleted." : "The deletion is scheduled. Every owner has been mailed.";
        }
        catch (ConfideException refused)
        {
            Error = refused.Error.Message;
            Status = await WorkspaceDeletionCommands.GetAsync(Cell.Database, Current!.WorkspaceId, ct);
        }

        ModelState.Clear();
        ConfirmName = null;
        return Page();
    }

    /// <summary>Cancelling needs no step-up: it only keeps things as they are.</summary>
    public async Task<IActionResult> OnPostCancelAsync(CancellationToken ct)
    {
        if (!await ResolveAsync(ct))
        {
            return NotFound();
        }

        try
        {
            await commands.CancelAsync(Cell.Database, Current!.WorkspaceId, Actor, ct);
            Message = "The deletion is cancelled. Every owner has been mailed.";
        }
        catch (ConfideException refused)
        {
            Error = refused.Error.Message;
        }

        Status = await WorkspaceDeletionCommands.GetAsync(Cell.Database, Current!.WorkspaceId, ct);
        ModelState.Clear();
        return Page();
    }

    private ActivityActor Actor => ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());

    /// <summary>The workspace, for an owner only (as the API: a role given <c>workspace.delete</c> is not enough).</summary>
    private async Task<bool> ResolveAsync(CancellationToken ct) =>
        await ResolveWorkspaceAsync(ct) && Current is { Role: TeammateRoles.Owner };
}
