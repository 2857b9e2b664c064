using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
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

namespace Confide.Messaging.Messenger;

/// <summary>
/// The API the website messenger calls (<c>/messenger/v1</c>), apart from the REST API: no API
/// token, no teammate; a session from <c>boot</c> that speaks for exactly one visitor or
/// verified user, and answers only with that contact's own conversations.
/// </summary>
internal static class MessengerEndpoints
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    // Streams end now and then; the frame reconnects (and re-boots when its session expired).
    private static readonly TimeSpan MaxStream = TimeSpan.FromMinutes(10);

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
        messenger.MapGet("/events", Events);
    }

    private static async Task<IResult> BootAsync(
        HttpContext http, CurrentCell cell, MessengerSessions sessions, MessengerIdentityVerifier verifier, TimeProvider time,
        [FromQuery(Name = "app_id")] string? appId, MessengerBootInput input, CancellationToken ct)
    {
        var workspaceId = await WorkspaceAsync(cell.Database, appId, ct);
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
        MessengerVisitorCookie.Forget(http, await WorkspaceAsync(cell.Database, appId, ct));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, CancellationToken ct)
    {
        var session = sessions.Read(request, cell.Database);
        return await contacts.FindAsync(cell.Database, session, ct) is { } contact
            ? TypedResults.Ok(await conversations.ListAsync(cell.Database, contact, ct))
            : TypedResults.Ok(new MessengerConversationList([], 0));
    }

    private static async Task<IResult> StartAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, MessengerConversations conversations, MessengerMessageInput input, CancellationToken ct)
    {
        var session = sessions.Read(request, cell.Database);
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

    /// <summary>
    /// Server-sent events: <c>conversation</c> with the id of one of the session's own
    /// conversations that changed (the frame then reads it), <c>ping</c> every 15 s. A visitor who
    /// has not written yet gets pings only; the frame reconnects after its first message.
    /// </summary>
    private static async Task<IResult> Events(HttpContext http, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, ConversationSignals signals, CancellationToken ct)
    {
        var session = sessions.Read(http.Request, cell.Database);
        var contact = await contacts.FindAsync(cell.Database, session, ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.ServerSentEvents(StreamAsync(signals, session.WorkspaceId, contact?.Id, ct));
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(ConversationSignals signals, string workspaceId, string? contactId, [EnumeratorCancellation] CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(MaxStream);
        yield return new SseItem<string>("{}", "ready");
        var changes = contactId is null ? Nothing(deadline.Token) : signals.WatchAsync(workspaceId, deadline.Token);
        await using var enumerator = changes.GetAsyncEnumerator(deadline.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        while (!deadline.IsCancellationRequested)
        {
            var beat = Task.Delay(Heartbeat, deadline.Token);
            var first = await Task.WhenAny(next, beat).ConfigureAwait(false);
            if (first == beat)
            {
                if (beat.IsCanceled)
                {
                    yield break;
                }

                yield return new SseItem<string>("{}", "ping");
                continue;
            }

            bool moved;
            try
            {
                moved = await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            if (!moved)
            {
                yield break;
            }

            var change = enumerator.Current;
            next = enumerator.MoveNextAsync().AsTask();
            if (change.ContactId == contactId)
            {
                yield return new SseItem<string>($$"""{"conversation_id":"{{change.ConversationId}}"}""", "conversation");
            }
        }

        static async IAsyncEnumerable<ConversationChanged> Nothing([EnumeratorCancellation] CancellationToken until)
        {
            await Task.Delay(Timeout.Infinite, until).ConfigureAwait(false);
            yield break;
        }
    }

    private static async Task<Contact> ContactAsync(HttpRequest request, CurrentCell cell, MessengerSessions sessions, MessengerContacts contacts, CancellationToken ct) =>
        await contacts.FindAsync(cell.Database, sessions.Read(request, cell.Database), ct)
        ?? throw new ConfideException(ConfideError.NotFound("Conversation"));

    private static async Task<string> WorkspaceAsync(CellDatabase cell, string? appId, CancellationToken ct)
    {
        if (appId is not { Length: > 0 and <= 64 })
        {
            throw new ConfideException(ConfideError.ParameterMissing("app_id"));
        }

        await using var db = cell.CreateReadContext();
        return await db.Workspaces.AnyAsync(w => w.Id == appId, ct)
            ? appId
            : throw new ConfideException(ConfideError.NotFound("App"));
    }
}
