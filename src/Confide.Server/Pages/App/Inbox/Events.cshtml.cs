using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Inbox;
using Confide.Messaging.Live;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Inbox;

/// <summary>
/// <c>GET /app/inbox/events?workspace=…</c>: a server-sent event stream telling the signed-in
/// teammate's inbox which conversations of the workspace changed, ids only, and only those
/// the teammate may read. A page under /app, so the session, the workspace's policies and the
/// page permission are checked as for the inbox itself; a teammate of another workspace gets 404.
/// </summary>
[PagePermission(Permissions.ConversationsReadAssigned)]
public sealed class EventsModel(
    TeammateMemberships memberships, CurrentCell cell, InboxService inbox, ConversationSignals signals, IHostApplicationLifetime lifetime, TimeProvider clock)
    : TeammatePageModel(memberships, cell)
{
    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        var workspaceId = Current.WorkspaceId;
        var scope = ConversationScope;
        // Ends with the client, with the server (so shutdown does not wait for open streams), and
        // after a while: the browser reconnects, and the new request re-checks the session.
        using var lifetimeLimit = new CancellationTokenSource(ConversationEventFeed.MaxDuration, clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping, lifetimeLimit.Token);
        await new ConversationEventFeed(HttpContext.Response, clock).WriteAsync(
            signals.WatchAsync(workspaceId, stop.Token),
            (change, token) => scope is null ? Task.FromResult(true) : inbox.IsVisibleAsync(workspaceId, change.ConversationId, scope, token),
            stop.Token);
        return new EmptyResult();
    }
}
