using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Inbox;
using Confide.Platform;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Inbox;

[PagePermission(Permissions.ConversationsReadAssigned)]
public sealed class ConversationModel(TeammateMemberships memberships, CurrentCell cell, InboxService inbox, TimeProvider time)
    : TeammatePageModel(memberships, cell)
{
    [FromRoute]
    public string Id { get; set; } = "";

    public InboxThread? Thread { get; private set; }

    /// <summary>Whom the assign control offers; loaded only for a teammate who may assign.</summary>
    public IReadOnlyList<InboxTeammate> Teammates { get; private set; } = [];

    [TempData]
    public string? Error { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        if (Can(Permissions.ConversationsReply))
        {
            Teammates = await inbox.AssignableTeammatesAsync(Current!.WorkspaceId, ct);
        }

        return Page();
    }

    /// <summary>
    /// <c>?sent=reply</c> on the page shown right after a reply was stored: the browser then drops
    /// its draft. In the address, not in TempData: the live refresh re-reads this page while the
    /// browser follows the redirect, and would consume a read-once flag before the page saw it.
    /// </summary>
    [BindProperty(SupportsGet = true, Name = "sent")]
    public string? Sent { get; set; }

    public bool ReplySent => Sent == "reply";

    public Task<IActionResult> OnPostReplyAsync(string? body, bool note, CancellationToken ct) =>
        ActAsync(() => inbox.ReplyAsync(Current!.WorkspaceId, Current.TeammateId, ClientIp, Id, body ?? "", note), ct, sentReply: true);

    /// <param name="assignee">A teammate's id; empty to leave the conversation unassigned.</param>
    public Task<IActionResult> OnPostAssignAsync(string? assignee, CancellationToken ct) =>
        ActAsync(() => inbox.AssignAsync(Current!.WorkspaceId, Current.TeammateId, ClientIp, Id, assignee), ct);

    public Task<IActionResult> OnPostCloseAsync(CancellationToken ct) =>
        ActAsync(() => inbox.SetStateAsync(Current!.WorkspaceId, Current.TeammateId, ClientIp, Id, open: false), ct);

    /// <summary>How long the snooze control offers to snooze for, in hours.</summary>
    public static IReadOnlyList<(int Hours, string Label)> SnoozeChoices { get; } = [(1, "1 hour"), (4, "4 hours"), (24, "1 day"), (24 * 7, "1 week")];

    /// <param name="hours">One of <see cref="SnoozeChoices"/>; anything else is refused as a message.</param>
    public Task<IActionResult> OnPostSnoozeAsync(int? hours, CancellationToken ct) =>
        ActAsync(() => SnoozeChoices.Any(c => c.Hours == hours)
            ? inbox.SnoozeAsync(Current!.WorkspaceId, Current.TeammateId, ClientIp, Id, time.GetUtcNow().AddHours(hours!.Value))
            : throw new ConfideException(ConfideError.ParameterInvalid("Choose how long to snooze the conversation for.")), ct);

    public Task<IActionResult> OnPostReopenAsync(CancellationToken ct) =>
        ActAsync(() => inbox.SetStateAsync(Current!.WorkspaceId, Current.TeammateId, ClientIp, Id, open: true), ct);

    private string? ClientIp => HttpContext.Connection.RemoteIpAddress?.ToString();

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return false;
        }

        Thread = await inbox.GetAsync(Current.WorkspaceId, Id, ct, ConversationScope);
        return Thread is not null;
    }

    /// <summary>Post-redirect-get; a refused action comes back as a message, never as a lost form.</summary>
    private async Task<IActionResult> ActAsync(Func<Task> action, CancellationToken ct, bool sentReply = false)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        if (!Can(Permissions.ConversationsReply))
        {
            Error = "Your role in this workspace cannot reply to or change conversations.";
            return Redirect($"/app/inbox/{Uri.EscapeDataString(Id)}?workspace={Uri.EscapeDataString(Current!.WorkspaceId)}");
        }

        var done = false;
        try
        {
            await action();
            done = true;
        }
        catch (ConfideException ex)
        {
            Error = ex.Error.Message;
        }

        // Assigned away from a teammate who reads only their own: the thread is no longer theirs to show.
        if (!await inbox.IsVisibleAsync(Current!.WorkspaceId, Id, ConversationScope, ct))
        {
            return Redirect($"/app/inbox?workspace={Uri.EscapeDataString(Current.WorkspaceId)}");
        }

        return Redirect($"/app/inbox/{Uri.EscapeDataString(Id)}?workspace={Uri.EscapeDataString(Current!.WorkspaceId)}{(done && sentReply ? "&sent=reply" : "")}");
    }
}
