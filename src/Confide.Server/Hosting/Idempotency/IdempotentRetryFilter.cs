using System.Globalization;
using System.Net;
using Confide.Data;
using Confide.Data.Idempotency;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Microsoft.Extensions.Options;

namespace Confide.Server.Hosting.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on the token-authenticated API's writes (docs/api.md, "Idempotent retries").
/// A key already used by the same token answers from its claim: the earlier outcome again
/// (<see cref="IdempotentRetryMiddleware"/>), 422 when the request differs, 409 while the first
/// one still runs. Otherwise the endpoint runs with the claim ambient
/// (<see cref="IdempotencyScope"/>): its first write inserts the claim in the same transaction,
/// so a write and its key commit together, and its outcome is recorded once it has answered.
/// </summary>
internal sealed partial class IdempotentRetryFilter(TimeProvider time, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<IdempotentRetryFilter> logger) : IEndpointFilter
{
    /// <summary>A claim without an outcome this old is taken as a request whose answer was lost, not one still running.</summary>
    public static readonly TimeSpan InProgressBound = TimeSpan.FromSeconds(60);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!IdempotencyKeyHeader.AppliesTo(http.Request.Method) || !http.Request.Headers.TryGetValue(IdempotencyKeyHeader.Name, out var header))
        {
            return await next(context);
        }

        if (!IdempotencyKeyHeader.TryRead(header, out var key))
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"{IdempotencyKeyHeader.Name} must be one value of 1 to {IdempotencyKeyHeader.MaxLength} printable ASCII characters"));
        }

        if (ApiCaller.FromPrincipal(http.User) is not { } caller || http.Features.Get<IdempotentRequest>() is not { } request)
        {
            return await next(context);
        }

        var cell = http.RequestServices.GetRequiredService<CurrentCell>().Database;
        var keyHash = IdempotencyKeyHeader.Hash(key);
        var now = time.GetUtcNow();
        if (await IdempotencyKeys.FindAsync(cell, caller.WorkspaceId, caller.TokenId, keyHash, now, http.RequestAborted) is { } earlier)
        {
            return AnswerFrom(http, earlier, request, now);
        }

        var scope = new IdempotencyScope(
            new IdempotencyKey { WorkspaceId = caller.WorkspaceId, TokenId = caller.TokenId, KeyHash = keyHash, RequestHash = request.Fingerprint, CreatedAt = now },
            expiredBefore: now - IdempotencyKeys.Lifetime);
        object? result;
        using (IdempotencyScope.Enter(scope))
        {
            try
            {
                result = await next(context);
            }
            catch (IdempotencyKeyTakenException) when (!scope.IsClaimed)
            {
                // Another request with this key committed its first write while this one ran: this
                // one's write was rolled back, and it answers from the other's claim.
                var other = await IdempotencyKeys.FindAsync(cell, caller.WorkspaceId, caller.TokenId, keyHash, time.GetUtcNow(), http.RequestAborted);
                return other is null
                    ? Refusal(HttpStatusCode.Conflict, "idempotency_key_in_progress", "A request with this Idempotency-Key is in progress; retry after the time in Retry-After", retryAfterSeconds: 1)
                    : AnswerFrom(http, other, request, time.GetUtcNow());
            }
            catch (Exception ex) when (scope.IsClaimed)
            {
                // Failed after its first write committed: that write stays, so the key stays
                // taken, with the failure's status as its outcome.
                await RecordAsync(cell, scope.Claim, new IdempotentOutcome(ex is ConfideException c ? (int)c.Error.Status : StatusCodes.Status500InternalServerError, null, null, null));
                throw;
            }
        }

        if (scope.IsClaimed)
        {
            await RecordAsync(cell, scope.Claim, IdempotentOutcome.Of(result, json.Value.SerializerOptions));
        }

        return result;
    }

    private static object AnswerFrom(HttpContext http, IdempotencyKey earlier, IdempotentRequest request, DateTimeOffset now)
    {
        if (!string.Equals(earlier.RequestHash, request.Fingerprint, StringComparison.Ordinal))
        {
            return Refusal(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused", "This Idempotency-Key was used with a different request (method, path or body); use a new key for a new request");
        }

        if (earlier.StatusCode is not { } status)
        {
            return now - earlier.CreatedAt < InProgressBound
                ? Refusal(HttpStatusCode.Conflict, "idempotency_key_in_progress", "A request with this Idempotency-Key is in progress; retry after the time in Retry-After", retryAfterSeconds: 1)
                : Refusal(HttpStatusCode.Conflict, "idempotency_key_outcome_unknown", "A request with this Idempotency-Key was applied but its answer was not recorded; read the object to see its state, and use a new key for a new request");
        }

        if (status >= 400)
        {
            return Refusal((HttpStatusCode)status, "idempotent_request_failed", "A request with this Idempotency-Key failed after part of it was applied; read the object to see its state, and use a new key for a new request", replayed: true);
        }

        http.Features.Set(new IdempotentReplay(status, earlier.ObjectType, earlier.ObjectId, earlier.ConversationId, HttpMethods.IsDelete(http.Request.Method)));
        return Results.Empty;
    }

    private async Task RecordAsync(CellDatabase cell, IdempotencyKey claim, IdempotentOutcome outcome)
    {
        try
        {
            await IdempotencyKeys.RecordOutcomeAsync(cell, claim, outcome.StatusCode, outcome.ObjectType, outcome.ObjectId, outcome.ConversationId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The write itself committed: answer it. A retry with this key gets 409
            // (in progress, then outcome unknown), never a second write.
            LogOutcomeNotRecorded(logger, claim.WorkspaceId, outcome.StatusCode, ex.GetType().FullName);
        }
    }

    private static IdempotencyRefusal Refusal(HttpStatusCode status, string code, string message, int? retryAfterSeconds = null, bool replayed = false) =>
        new(status, code, message, retryAfterSeconds, replayed);

    /// <summary>An Intercom error answered by the filter itself, with the headers the error middleware would clear.</summary>
    private sealed class IdempotencyRefusal(HttpStatusCode status, string code, string message, int? retryAfterSeconds, bool replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfterSeconds is { } seconds)
            {
                httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            if (replayed)
            {
                httpContext.Response.Headers[IdempotencyKeyHeader.ReplayedName] = "true";
            }

            return ErrorResponses.WriteAsync(httpContext, status, code, message);
        }
    }

    [LoggerMessage(EventId = 4910, EventName = "IdempotencyOutcomeNotRecorded", Level = LogLevel.Warning, Message = "The outcome ({StatusCode}) of a write with an Idempotency-Key in workspace {WorkspaceId} was not recorded ({ExceptionType}); retries with that key answer 409 instead of a replay")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, string workspaceId, int statusCode, string? exceptionType);
}
