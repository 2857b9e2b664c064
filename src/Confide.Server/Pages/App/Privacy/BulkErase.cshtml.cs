using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.Erasure;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Privacy;

/// <summary>
/// Bulk erase in the privacy centre, the same command and limits as
/// <c>POST /confide/contacts/bulk_delete</c>: contact ids pasted, or a simple filter (one field
/// equal to a value, last seen before a date). A dry run always comes first and shows the count;
/// the real run needs step-up and a ticked confirmation, and shows the counts erased and skipped.
/// </summary>
[PagePermission(Permissions.ContactsBulkDelete)]
public sealed class BulkEraseModel(TeammateMemberships memberships, CurrentCell cell, ContactBulkErasure bulk)
    : TeammatePageModel(memberships, cell)
{
    /// <summary>The filter's fields: those the contact search matches by equality.</summary>
    public static IReadOnlyList<(string Field, string Label)> FilterFields { get; } =
        [("email", "Email"), ("external_id", "External id"), ("phone", "Phone"), ("role", "Role (user or lead)")];

    public sealed class BulkEraseForm
    {
        /// <summary>Contact ids, separated by new lines, spaces or commas.</summary>
        public string? Ids { get; set; }

        public string? Field { get; set; }

        public string? Value { get; set; }

        /// <summary>A UTC date: contacts last seen before its start.</summary>
        public DateOnly? LastSeenBefore { get; set; }

        public bool Confirm { get; set; }
    }

    [BindProperty]
    public BulkEraseForm Form { get; set; } = new();

    /// <summary>The dry run's answer, shown with the button that erases.</summary>
    public ContactBulkErasureView? Preview { get; private set; }

    /// <summary>The real run's answer.</summary>
    public ContactBulkErasureView? Result { get; private set; }

    public string? Error { get; private set; }

    public string? StepUpNotice { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        if (StepUpResumption.Take(this) is { } pending)
        {
            StepUpNotice = "You confirmed it is you, but nothing was erased yet: check the count and confirm again.";
            if (pending.Form is not null)
            {
                Form = new BulkEraseForm
                {
                    Ids = pending.Text("Form.Ids"),
                    Field = pending.Text("Form.Field"),
                    Value = pending.Text("Form.Value"),
                    LastSeenBefore = DateOnly.TryParseExact(pending.Text("Form.LastSeenBefore"), "yyyy-MM-dd", out var day) ? day : null,
                };
                await RunAsync(dryRun: true, ct);
            }
        }

        return Page();
    }

    /// <summary>The dry run: counts only, erases nothing.</summary>
    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        await RunAsync(dryRun: true, ct);
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.RefillForm)]
    public async Task<IActionResult> OnPostEraseAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        if (!Form.Confirm)
        {
            Error = "Tick the box to confirm the erasure: nothing was erased.";
            await RunAsync(dryRun: true, ct);
            return Page();
        }

        await RunAsync(dryRun: false, ct);
        return Page();
    }

    private async Task RunAsync(bool dryRun, CancellationToken ct)
    {
        try
        {
            if (!ModelState.IsValid)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("Last seen before must be a date"));
            }

            var actor = ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
            var view = await bulk.RunAsync(Cell.Database, Current.WorkspaceId, ToRequest(dryRun), actor, ct);
            if (dryRun)
            {
                Preview = view;
            }
            else
            {
                Result = view;
            }
        }
        catch (ConfideException refused)
        {
            Error = refused.Error.Message;
            Preview = null;
        }
    }

    /// <summary>The form as the API's request: ids, or the filter as an Intercom search query.</summary>
    private ContactBulkErasureRequest ToRequest(bool dryRun)
    {
        var ids = (Form.Ids ?? "").Split([' ', '\n', '\r', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        var filters = new List<JsonObject>();
        if (!string.IsNullOrEmpty(Form.Field))
        {
            if (!FilterFields.Any(f => f.Field == Form.Field))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("Choose a field to filter on"));
            }

            filters.Add(new JsonObject { ["field"] = Form.Field, ["operator"] = "=", ["value"] = (Form.Value ?? "").Trim() });
        }

        if (Form.LastSeenBefore is { } day)
        {
            var before = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
            filters.Add(new JsonObject { ["field"] = "last_seen_at", ["operator"] = "<", ["value"] = before });
        }

        if (ids.Length > 0 && filters.Count > 0)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("Paste contact ids or use the filter, not both"));
        }

        if (ids.Length == 0 && filters.Count == 0)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("Paste contact ids or choose a filter"));
        }

        if (ids.Length > 0)
        {
            return new ContactBulkErasureRequest(ids, null, dryRun);
        }

        JsonNode query = filters.Count == 1 ? filters[0] : new JsonObject { ["operator"] = "AND", ["value"] = new JsonArray([.. filters]) };
        return new ContactBulkErasureRequest(null, JsonSerializer.SerializeToElement(query), dryRun);
    }
}
