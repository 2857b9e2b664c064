using Confide.Audit;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.Erasure;
using Confide.Privacy.Exports;
using Confide.Privacy.Requests;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Privacy;

/// <summary>
/// One request in the privacy centre, with what can be done about it: for an access request, the
/// export of its subject (its progress, then a short-lived download link); for an erasure request
/// in progress, "Erase now" (confirmed, behind step-up) and then its signed receipt. The same
/// commands and checks as <c>/confide/privacy_requests/{id}/export</c>, <c>/erase</c> and <c>/receipt</c>.
/// </summary>
[PagePermission(Permissions.PrivacyRequestsManage)]
public sealed class RequestModel(
    TeammateMemberships memberships, CurrentCell cell, PrivacyRequestQueries queries, SubjectExportCommands exports, PrivacyRequestErasure erasure, TimeProvider time)
    : TeammatePageModel(memberships, cell)
{
    /// <summary>Where the web app's download links point: <c>/app/privacy/exports/{id}/download?token=…</c>.</summary>
    public const string ExportsPath = "/app/privacy/exports";

    internal const string MessageKey = "Privacy.Message";
    internal const string ErrorKey = "Privacy.Error";

    [BindProperty(SupportsGet = true, Name = "id")]
    public string Id { get; set; } = "";

    public PrivacyRequestView? Details { get; private set; }

    /// <summary>The request's export, for an access request whose subject was found; null when none was started.</summary>
    public SubjectExportView? Export { get; private set; }

    public bool CanExport { get; private set; }

    /// <summary>A fresh download link (short-lived) when the export is ready.</summary>
    public SubjectExportLinkView? Link { get; private set; }

    public PrivacyRequestErasureStatus? Erasure { get; private set; }

    /// <summary>The subject is under a legal hold: "Erase now" would be refused, so the page says so instead.</summary>
    public bool SubjectHeld { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Set when "Erase now" ran into step-up: nothing was erased yet.</summary>
    public string? StepUpNotice { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        if (StepUpResumption.Take(this) is not null)
        {
            StepUpNotice = "You confirmed it is you, but nothing was erased yet: confirm the erasure again.";
        }

        Message = TempData[MessageKey] as string;
        Error = TempData[ErrorKey] as string;
        return await ShowAsync(ct);
    }

    public async Task<IActionResult> OnPostExportAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        await RunAsync(async () =>
        {
            var export = await exports.StartAsync(Cell.Database, Current.WorkspaceId, Id, Actor(), ct);
            return $"Export {export.Id} started. It is prepared in the background: refresh this page to see its progress.";
        });
        return Back();
    }

    /// <summary>Erases the request's subject: step-up first, and the box saying what it means must be ticked.</summary>
    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostEraseAsync(bool confirm, CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        await RunAsync(async () =>
        {
            if (!confirm)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("Tick the box to confirm the erasure: nothing was erased"));
            }

            await erasure.EraseAsync(Cell.Database, Current.WorkspaceId, Id, Actor(), ct);
            return "Erased: the contact's key is destroyed and the contact is gone from the workspace. The request is completed, with its receipt, once its records are deleted.";
        });
        return Back();
    }

    /// <summary>The signed receipt, the same JSON file as <c>GET /confide/privacy_requests/{id}/receipt</c>.</summary>
    public async Task<IActionResult> OnGetReceiptAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        var receipt = await PrivacyRequestErasure.ReceiptAsync(Cell.Database, Current.WorkspaceId, Id, ct);
        return receipt is null ? NotFound() : File(receipt.Json, "application/json", receipt.FileName);
    }

    /// <summary>Whether the export is still being prepared (the page offers a refresh).</summary>
    public bool ExportRunning => Export is { State: JobStates.Queued or JobStates.Running };

    /// <summary>This request's page, for a form or a link, with the workspace.</summary>
    public string PagePath(string? handler = null) =>
        $"/app/privacy/requests/{Uri.EscapeDataString(Id)}?workspace={Uri.EscapeDataString(Current!.WorkspaceId)}{(handler is null ? "" : $"&handler={handler}")}";

    private async Task<IActionResult> ShowAsync(CancellationToken ct)
    {
        try
        {
            Details = await queries.GetAsync(Cell.Database, Current!.WorkspaceId, Id, ct);
        }
        catch (ConfideException refused) when (refused.Error.Status == System.Net.HttpStatusCode.NotFound)
        {
            return NotFound();
        }

        if (Details.Kind == PrivacyRequestKinds.Access && Details.SubjectFound)
        {
            try
            {
                Export = await exports.ForRequestAsync(Cell.Database, Current.WorkspaceId, Id, ct);
                if (Export.State == JobStates.Completed)
                {
                    Link = await exports.LinkAsync(Cell.Database, Current.WorkspaceId, Export.Id, ExportsPath, ct);
                    Link = Link with { Url = $"{Link.Url}&workspace={Uri.EscapeDataString(Current.WorkspaceId)}" };
                }
            }
            catch (ConfideException none) when (none.Error.Status == System.Net.HttpStatusCode.NotFound)
            {
                CanExport = true;
            }
        }

        if (Details.Kind == PrivacyRequestKinds.Erasure)
        {
            Erasure = await PrivacyRequestErasure.StatusAsync(Cell.Database, Current.WorkspaceId, Id, ct);
            if (Erasure.CanErase && Details.ContactId is { } contactId)
            {
                await using var db = Cell.Database.CreateReadContext();
                SubjectHeld = await db.IsContactHeldAsync(Current.WorkspaceId, contactId, time.GetUtcNow(), ct);
            }
        }

        return Page();
    }

    /// <summary>Runs a command; its message, or the reason it was refused, is shown on the page it returns to.</summary>
    private async Task RunAsync(Func<Task<string>> command)
    {
        try
        {
            TempData[MessageKey] = await command();
        }
        catch (ConfideException refused) when (refused.Error.Code == ConfideError.LegalHoldCode)
        {
            TempData[ErrorKey] = $"Nothing was erased. {refused.Error.Message}. The request stays in progress; the privacy centre's legal holds show who set the hold and why.";
        }
        catch (ConfideException refused)
        {
            TempData[ErrorKey] = refused.Error.Message;
        }
    }

    /// <summary>Post, redirect, get: a reload shows the page and repeats nothing.</summary>
    private RedirectResult Back() => Redirect(PagePath());

    private ActivityActor Actor() => ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
}
