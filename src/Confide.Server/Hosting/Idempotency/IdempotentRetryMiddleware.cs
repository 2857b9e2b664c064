using System.Text.Json.Serialization;
using Confide.Crypto;
using Confide.Platform;

namespace Confide.Server.Hosting.Idempotency;

/// <summary>
/// The outer half of <c>Idempotency-Key</c> support (the inner half is <see cref="IdempotentRetryFilter"/>).
/// Before routing, it reads a keyed write's body into memory and fingerprints it (the endpoint
/// then binds from the copy). After the pipeline, when the filter found the key already used, it
/// answers the earlier outcome: the earlier status with the object's current representation,
/// got by running the pipeline again as a GET of the object (routing, authentication and
/// authorization included). Nothing of the earlier response is stored (docs/adr/0006).
/// </summary>
internal sealed class IdempotentRetryMiddleware(RequestDelegate next)
{
    /// <summary>Where the current representation of an object answered by a write can be read.</summary>
    private static readonly Dictionary<string, string> ReadPaths = new(StringComparer.Ordinal)
    {
        ["contact"] = "/contacts/",
        ["conversation"] = "/conversations/",
        ["company"] = "/companies/",
        ["tag"] = "/tags/",
        ["note"] = "/notes/",
        ["admin"] = "/admins/",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!IdempotencyKeyHeader.AppliesTo(request.Method) || !request.Headers.ContainsKey(IdempotencyKeyHeader.Name))
        {
            await next(context);
            return;
        }

        // Read within the request's body size limit (a larger body fails here with 413, as in binding).
        var body = new MemoryStream();
        context.Response.RegisterForDispose(body);
        await request.Body.CopyToAsync(body, context.RequestAborted);
        body.Position = 0;
        request.Body = body;
        context.Features.Set(new IdempotentRequest(IdempotencyKeyHeader.Fingerprint(request, body.GetBuffer().AsSpan(0, (int)body.Length))));

        await next(context);

        if (context.Features.Get<IdempotentReplay>() is { } replay)
        {
            await ReplayAsync(context, replay);
        }
    }

    private async Task ReplayAsync(HttpContext context, IdempotentReplay replay)
    {
        context.Features.Set<IdempotentReplay?>(null);
        if (!replay.Deleted && replay.ObjectType is { } type && replay.ObjectId is { } id && ReadPaths.TryGetValue(type, out var path))
        {
            var representation = await ReadAsync(context, path + Uri.EscapeDataString(id));
            if (representation is not null)
            {
                context.Response.StatusCode = replay.StatusCode;
                context.Response.Headers[IdempotencyKeyHeader.ReplayedName] = "true";
                context.Response.ContentLength = representation.Length;
                await context.Response.Body.WriteAsync(representation, context.RequestAborted);
                return;
            }
        }

        // No read for this object (a message, an event), the object was deleted since, or this
        // token may not read it: the earlier status and what identifies the object.
        context.Response.StatusCode = replay.StatusCode;
        context.Response.ContentType = null;
        context.Response.ContentLength = null;
        context.Response.Headers.WWWAuthenticate = default;
        context.Response.Headers[IdempotencyKeyHeader.ReplayedName] = "true";
        context.Response.Headers.CacheControl = "no-store";
        if (replay.ObjectType is null && replay.ObjectId is null)
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new ReplayedObject(replay.ObjectType, replay.ObjectId, replay.ConversationId, replay.Deleted ? true : null), context.RequestAborted);
    }

    /// <summary>The body of a successful GET of <paramref name="path"/> by the same caller, or null when it does not succeed.</summary>
    private async Task<byte[]?> ReadAsync(HttpContext context, string path)
    {
        var request = context.Request;
        request.Method = HttpMethods.Get;
        request.Path = path;
        request.QueryString = QueryString.Empty;
        request.Body = Stream.Null;
        request.ContentLength = null;
        request.ContentType = null;
        request.Headers.Remove(IdempotencyKeyHeader.Name);
        request.RouteValues.Clear();
        context.SetEndpoint(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = null;
        context.Response.ContentLength = null;

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch (Exception ex) when (ex is ConfideException or ContactErasedException)
        {
            // Not found, gone or refused: answered below without the representation.
            return null;
        }
        finally
        {
            context.Response.Body = original;
        }

        return context.Response.StatusCode is >= 200 and < 300 ? buffer.ToArray() : null;
    }

    /// <summary>What a replay answers when there is no representation to read: Intercom's shape of an object reference.</summary>
    private sealed record ReplayedObject(
        string? Type,
        string? Id,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConversationId,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Deleted);
}
