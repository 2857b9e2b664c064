using System.Net;
using Confide.Data;
using Confide.Data.Model;
using Confide.Messaging.Api;
using Confide.Messaging.Live;
using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Confide.Messaging.Messenger;

/// <summary>
/// The API the website messenger calls (<c>/messenger/v1</c>), apart from the REST API: no API
/// token, no teammate; a session from <c>boot</c> that speaks for exactly one visitor or
/// verified user, and answers only with that contact's own conversations.
/// </summary>
internal static class MessengerEndpoints
{
    public static void MapMessengerApi(this IEndpointRouteBuilder endpoints)
    {
        // Declared open to anonymous callers: the credential is the messenger session, checked by each handler.
        var messenger = endpoints.MapGroup("/messenger/v1").AllowAnonymous();
        messenger.MapPost("/boot", BootAsync);
        messenger.MapPost("/shutdown", Shutdown);
        messenger.MapGet("/conversations", ListAsync);
        messenger.MapPost("/conversations", StartAsync);
        messenger.MapGet("/conversations/{id}", GetAsync);
        messenger.MapPost("/conversations/{id}/reply", ReplyAsync);
        messenger.MapPost("/conversations/{id}/read", ReadAsync);
        messenger.MapPost("/conversations/{id}/rating", RateAsync);
        messenger.MapGet("/events", Events);
    }

    private static async Task<IResult> BootAsync(
        HttpContext http, CurrentCell cell, MessengerSessions sessions, MessengerIdentityVerifier verifier, TimeProvider time,
        [FromQuery(Name = "app_id")] string? appId, MessengerBootInput input, CancellationToken ct)
    {
        var workspaceId = await MessengerApps.RequireAsync(cell.Database, appId, ct);
        var claim = new MessengerIdentityClaim(
            Text.Optional(input.UserId, "user_id", 255), Text.Optional(input.Email, "email", 254), Text.Optional(input.Name, "name", 255),
            Text.Optional(input.UserHash, "user_hash", 256), Text.Optional(input.UserJwt, "user_jwt", 8192));
        var result = await verifier.VerifyAsync(cell.Database, workspaceId, claim, ct);
        MessengerSession session;
        string identity;
        switch (result)
        {
            case MessengerIdentityResult.Refused refused:
                throw new ConfideException(new ConfideError(HttpStatusCode.Unauthorized, refused.Code, refused.Message));
            case MessengerIdentityResult.Verified user:
                MessengerVisitorCookie.Forget(http, workspaceId);
                session = new MessengerSession(workspaceId, null, user.UserId, user.Email, user.Name);
                identity = "user";
                break;
            default:
                // Anonymous, or an identity without a valid proof while enforcement is off: a
                // visitor either way. A claimed user id is never trusted.
                session = new MessengerSession(workspaceId, MessengerVisitorCookie.Ensure(http, workspaceId), null, null, null);
                identity = result is MessengerIdentityResult.Unverified ? "unverified" : "visitor";
                break;
        }

        var expiresAt = Unix.Seconds(time.GetUtcNow() + MessengerSessions.Lifetime);
        return TypedResults.Ok(new MessengerBootResult(sessions.Issue(session), identity, expiresAt));
    }

    /// <summary>The website's user signed out: forget this browser's visitor id, so the next visitor starts afresh.</summary>
    private static async Task<IResult> Shutdown(HttpContext http, CurrentCell cell, [FromQuery(Name = "app_id")] string? appId, CancellationToken ct)
    {
        MessengerVisitorCookie.Forget(http, await MessengerApps.RequireAsync(cell.Database, appId, ct));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, CancellationToken ct)
    {
        var session = await LiveSessionAsync(request, cell, sessions, ct);
        return await contacts.FindAsync(cell.Database, session, ct) is { } contact
            ? TypedResults.Ok(await conversations.ListAsync(cell.Database, contact, ct))
            : TypedResults.Ok(new MessengerConversationList([], 0));
    }

    private static async Task<IResult> StartAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, MessengerMessageInput input, CancellationToken ct)
    {
        var session = await LiveSessionAsync(request, cell, sessions, ct);
        Text.Required(input.Body, "body", 65_536);
        var contact = await contacts.FindOrCreateAsync(cell.Database, session, ct);
        var id = await conversations.StartAsync(cell.Database, contact, input);
        return TypedResults.Ok(await conversations.GetAsync(cell.Database, contact, id, ct));
    }

    private static async Task<IResult> GetAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, string id, CancellationToken ct)
    {
        var contact = await ContactAsync(request, cell, sessions, contacts, ct);
        return TypedResults.Ok(await conversations.GetAsync(cell.Database, contact, id, ct));
    }

    private static async Task<IResult> ReplyAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, string id, MessengerMessageInput input, CancellationToken ct)
    {
        var contact = await ContactAsync(request, cell, sessions, contacts, ct);
        await conversations.ReplyAsync(cell.Database, contact, id, input, ct);
        return TypedResults.Ok(await conversations.GetAsync(cell.Database, contact, id, ct));
    }

    private static async Task<IResult> ReadAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, string id, CancellationToken ct)
    {
        var contact = await ContactAsync(request, cell, sessions, contacts, ct);
        await MessengerConversations.MarkReadAsync(cell.Database, contact, id, ct);
        return TypedResults.NoContent();
    }

    /// <summary>The session's contact rates one of their own conversations; answers the thread with the rating.</summary>
    private static async Task<IResult> RateAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, string id, MessengerRatingInput input, CancellationToken ct)
    {
        var contact = await ContactAsync(request, cell, sessions, contacts, ct);
        await conversations.RateAsync(cell.Database, contact, id, input, ct);
        return TypedResults.Ok(await conversations.GetAsync(cell.Database, contact, id, ct));
    }

    /// <summary>
    /// Server-sent events (<see cref="ConversationEventFeed"/>): the id of each of the session's
    /// own conversations that changes (the frame then reads it), and a heartbeat. A visitor who
    /// has not written yet gets heartbeats only; the frame reconnects after its first message.
    /// </summary>
    private static async Task Events(
        HttpContext http, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, ConversationSignals signals,
        IHostApplicationLifetime lifetime, TimeProvider clock, CancellationToken ct)
    {
        var session = await LiveSessionAsync(http.Request, cell, sessions, ct);
        var contactId = (await contacts.FindAsync(cell.Database, session, ct))?.Id;
        // Ends with the client, with the server, and after a while: the frame reconnects, and the
        // new request checks the session again.
        using var limit = new CancellationTokenSource(ConversationEventFeed.MaxDuration, clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping, limit.Token);
        await new ConversationEventFeed(http.Response, clock).WriteAsync(
            signals.WatchAsync(session.WorkspaceId, stop.Token),
            (change, _) => Task.FromResult(contactId is not null && change.ContactId == contactId),
            stop.Token);
    }

    private static async Task<Contact> ContactAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, CancellationToken ct) =>
        await contacts.FindAsync(cell.Database, await LiveSessionAsync(request, cell, sessions, ct), ct)
        ?? throw new ConfideException(ConfideError.NotFound("Conversation"));

    /// <summary>The request's session, whose workspace must not have been deleted since it was issued (410 then, and nothing of it).</summary>
    private static async Task<MessengerSession> LiveSessionAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, CancellationToken ct)
    {
        var session = sessions.Read(request, cell.Database);
        await MessengerApps.EnsureLiveAsync(cell.Database, session.WorkspaceId, ct);
        return session;
    }
}
