using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Privacy.Requests;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Privacy;

/// <summary>
/// The privacy centre: data-subject requests with their deadlines (overdue and due within seven
/// days counted at the top), filtered by state and deadline, a form to record one, and the
/// transitions — the same commands and checks as <c>/confide/privacy_requests</c>. Each request
/// links to its page (<see cref="RequestModel"/>): export, erase now, receipt.
/// </summary>
[PagePermission(Permissions.PrivacyRequestsManage)]
public sealed class IndexModel(TeammateMemberships memberships, CurrentCell cell, PrivacyRequestCommands commands, PrivacyRequestQueries queries)
    : TeammatePageModel(memberships, cell)
{
    private const int PageSize = 50;

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true, Name = "due")]
    public string? Due { get; set; }

    [BindProperty(SupportsGet = true, Name = "starting_after")]
    public string? StartingAfter { get; set; }

    public PrivacyRequestListView Requests { get; private set; } = new([], 0, new(PageSize, 1, null), 0, 0);

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The new-request form's fields, kept when it is refused so they can be corrected.</summary>
    public sealed class NewRequestForm
    {
        public string? Kind { get; set; }

        public string? ReceivedVia { get; set; }

        public string? IdentifierType { get; set; }

        public string? Identifier { get; set; }

        /// <summary>A UTC date; the request counts as received at the start of that day (the cautious reading). Empty: now.</summary>
        public DateOnly? ReceivedOn { get; set; }

        public bool RecordIfUnmatched { get; set; } = true;
    }

    [BindProperty]
    public NewRequestForm NewRequest { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        return await ShowAsync(ct);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            var form = NewRequest;
            string? Given(string type) => form.IdentifierType == type ? form.Identifier ?? "" : null;
            if (!ModelState.IsValid)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("received on must be a date"));
            }

            if (form.IdentifierType is not (PrivacyRequestFields.Email or PrivacyRequestFields.ExternalId or PrivacyRequestFields.Phone or PrivacyRequestFields.ContactId))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("Choose what the subject is identified by"));
            }

            var receivedAt = form.ReceivedOn is { } day ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds() : (long?)null;
            var input = new PrivacyRequestInput(form.Kind, form.ReceivedVia, receivedAt,
                Given(PrivacyRequestFields.Email), Given(PrivacyRequestFields.ExternalId), Given(PrivacyRequestFields.Phone), Given(PrivacyRequestFields.ContactId),
                form.RecordIfUnmatched);
            var created = await commands.CreateAsync(Cell.Database, Current.WorkspaceId, Current.TeammateId, Actor(), input, ct);
            Message = created.ContactId is null
                ? $"Request {created.Id} recorded. No contact matched: Confide holds no data under that identifier."
                : $"Request {created.Id} recorded for contact {created.ContactId}.";
            NewRequest = new();
            ModelState.Clear();
        }
        catch (ConfideException refused)
        {
            Error = refused.Error.Message;
        }

        return await ShowAsync(ct);
    }

    public async Task<IActionResult> OnPostTransitionAsync(string? id, string? action, string? reason, CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            var request = action == "extend"
                ? await commands.ExtendAsync(Cell.Database, Current.WorkspaceId, id ?? "", reason, Actor(), ct)
                : PrivacyRequestTransitions.All.Contains(action)
                    ? await commands.TransitionAsync(Cell.Database, Current.WorkspaceId, id ?? "", action!, reason, Actor(), ct)
                    : throw new ConfideException(ConfideError.ParameterInvalid("Unknown action"));
            Message = action == "extend" ? $"Request {request.Id}: deadline extended." : $"Request {request.Id} is now {request.State}.";
        }
        catch (ConfideException refused)
        {
            Error = refused.Error.Message;
        }

        ModelState.Clear();
        return await ShowAsync(ct);
    }

    /// <summary>The actions the page offers for a request in <paramref name="state"/>.</summary>
    public static bool Offers(string state, string action) => PrivacyRequestTransitions.CanApply(state, action);

    /// <summary>An access request whose subject was found: its page starts the export and downloads it.</summary>
    public static bool OffersExport(PrivacyRequestView request) =>
        request.Kind == PrivacyRequestKinds.Access && request.SubjectFound && PrivacyRequestStates.IsOpen(request.State);

    /// <summary>An erasure request in progress whose subject was found: its page erases them.</summary>
    public static bool OffersErasure(PrivacyRequestView request) =>
        request.Kind == PrivacyRequestKinds.Erasure && request.SubjectFound && request.State == PrivacyRequestStates.InProgress;

    private async Task<IActionResult> ShowAsync(CancellationToken ct)
    {
        try
        {
            Requests = await queries.PageAsync(Cell.Database, Current!.WorkspaceId, PrivacyRequestFilter.Parse(State, Due), PageSize, StartingAfter, ct);
        }
        catch (ConfideException refused)
        {
            // A hand-edited filter: show the message and everything, not an error page.
            Error ??= refused.Error.Message;
            State = Due = StartingAfter = null;
            Requests = await queries.PageAsync(Cell.Database, Current!.WorkspaceId, PrivacyRequestFilter.Parse(null, null), PageSize, null, ct);
        }

        return Page();
    }

    private ActivityActor Actor() => ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
}
