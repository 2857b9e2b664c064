using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.LegalHolds;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Privacy;

/// <summary>
/// Legal holds in the privacy centre, the same commands and checks as <c>/confide/legal_holds</c>:
/// the active holds and those released or lapsed, a form to set one (target, reason, optional end
/// date) and, behind step-up and a ticked confirmation, releasing one.
/// </summary>
[PagePermission(Permissions.RetentionManage)]
public sealed class LegalHoldsModel(TeammateMemberships memberships, CurrentCell cell, LegalHoldCommands commands, LegalHoldReader reader)
    : TeammatePageModel(memberships, cell)
{
    internal const string MessageKey = "LegalHolds.Message";
    internal const string ErrorKey = "LegalHolds.Error";

    public static IReadOnlyList<(string Type, string Label)> TargetTypes { get; } =
        [(LegalHoldTargets.Contact, "A contact"), (LegalHoldTargets.Conversation, "A conversation"), (LegalHoldTargets.Workspace, "The whole workspace")];

    public sealed class HoldForm
    {
        public string? TargetType { get; set; }

        public string? TargetId { get; set; }

        public string? Reason { get; set; }

        /// <summary>A UTC date: the hold lapses at its start. Empty: until released.</summary>
        public DateOnly? Until { get; set; }
    }

    [BindProperty]
    public HoldForm Form { get; set; } = new();

    public LegalHoldListView? Active { get; private set; }

    public LegalHoldListView? Inactive { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Set when a release ran into step-up: nothing was released yet.</summary>
    public string? StepUpNotice { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        if (StepUpResumption.Take(this) is not null)
        {
            StepUpNotice = "You confirmed it is you, but the hold was not released yet: confirm the release again.";
        }

        Message = TempData[MessageKey] as string;
        Error = TempData[ErrorKey] as string;
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostSetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            if (!ModelState.IsValid)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("Until must be a date"));
            }

            var targetId = Form.TargetType == LegalHoldTargets.Workspace ? Current.WorkspaceId : Form.TargetId;
            long? until = Form.Until is { } day ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds() : null;
            var hold = await commands.SetAsync(Cell.Database, Current.WorkspaceId, new LegalHoldInput(Form.TargetType, targetId, Form.Reason, until), Actor(), ct);
            TempData[MessageKey] = $"Hold {hold.Id} set: nothing it protects can be deleted until it is released{(hold.Until is null ? "" : " or lapses")}.";
            return Back();
        }
        catch (ConfideException refused)
        {
            // The form stays filled, with what was wrong.
            Error = refused.Error.Message;
            ModelState.Clear();
            await LoadAsync(ct);
            return Page();
        }
    }

    /// <summary>Releases a hold: step-up first, and the box saying what it means must be ticked.</summary>
    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostReleaseAsync(string? id, bool confirm, CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            if (!confirm)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("Tick the box to confirm the release: nothing was released"));
            }

            var hold = await commands.ReleaseAsync(Cell.Database, Current.WorkspaceId, id ?? "", Actor(), ct);
            TempData[MessageKey] = $"Hold {hold.Id} released: what it protected can be deleted again, unless another hold protects it.";
        }
        catch (ConfideException refused)
        {
            TempData[ErrorKey] = refused.Error.Message;
        }

        return Back();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Active = await reader.PageAsync(Cell.Database, Current!.WorkspaceId, LegalHoldFilter.Parse(LegalHoldFilter.Active, null, null), LegalHoldReader.MaxPageSize, null, ct);
        Inactive = await reader.PageAsync(Cell.Database, Current.WorkspaceId, LegalHoldFilter.Parse(LegalHoldFilter.Inactive, null, null), LegalHoldReader.DefaultPageSize, null, ct);
    }

    /// <summary>Post, redirect, get: a reload shows the page and repeats nothing.</summary>
    private RedirectResult Back() => Redirect($"/app/privacy/legal-holds?workspace={Uri.EscapeDataString(Current!.WorkspaceId)}");

    private ActivityActor Actor() => ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
}
