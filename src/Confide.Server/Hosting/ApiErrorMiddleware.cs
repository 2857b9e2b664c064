using System.Globalization;
using System.Net;
using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;

namespace Confide.Server.Hosting;

/// <summary>
/// Maps every failure to the Intercom error body, once, at the edge, by the exception's type
/// and (for the database) its provider error code, never its message: domain errors to their
/// status, unreadable input to 400, oversize bodies to 413, a taken unique key to 409, the
/// database or its disk unavailable to 503 with Retry-After, anything else to a 500 that
/// reveals nothing but a request id. Each failure logs at most one line (also when the client
/// has gone or the response has begun, which then only cuts the connection), and repeats of the
/// same failure at the same endpoint are counted instead of logged (<see cref="LogRateLimiter"/>).
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger, TimeProvider time)
{
    private readonly LogRateLimiter _logLimiter = new(time);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!(context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException))
        {
            var failure = Classify(ex, context.Request);
            if (failure.Kind == FailureKind.DatabaseUnavailable && context.RequestServices.GetService<CurrentCell>() is { IsResolved: true } cell)
            {
                cell.Database.Readiness.ReportFailure(ex);
            }

            Log(context, ex, failure);
            if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
            {
                // Logged once like any other failure, but there is no one to answer, or the answer
                // has begun (a stream): cut the connection so a half-sent body never looks complete.
                context.Abort();
                return;
            }

            var retryAfter = failure.Kind == FailureKind.DatabaseUnavailable ? ErrorResponses.DatabaseRetryAfterSeconds : 1;
            context.Response.Clear();
            if (context.Request.Path.StartsWithSegments("/app"))
            {
                // Teammate pages get a page, not the API's JSON body; the same status and Retry-After.
                context.Response.StatusCode = (int)failure.Status;
                context.Response.Headers.CacheControl = "no-store";
                context.Response.ContentType = "text/plain; charset=utf-8";
                if (failure.Status == HttpStatusCode.ServiceUnavailable)
                {
                    context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                    await context.Response.WriteAsync($"Confide is unavailable for a moment ({(int)failure.Status}); try again in {retryAfter} seconds. Request id: {context.TraceIdentifier}");
                    return;
                }

                await context.Response.WriteAsync($"Confide could not complete this request ({(int)failure.Status}). Request id: {context.TraceIdentifier}");
                return;
            }

            await ErrorResponses.WriteAsync(context, failure.Status, failure.Code, failure.Message, retryAfter);
        }
    }

    private enum FailureKind
    {
        /// <summary>The caller's request or the domain said no: the answer says why, nothing is logged.</summary>
        Expected,
        IntegrityFailure,
        DatabaseUnavailable,
        Unexpected,
    }

    private readonly record struct Failure(FailureKind Kind, HttpStatusCode Status, string Code, string Message);

    private static Failure Classify(Exception ex, HttpRequest request) => ex switch
    {
        ConfideException { Error: var e } => Expected(e.Status, e.Code, e.Message),
        BadHttpRequestException { StatusCode: 413 } => Expected(HttpStatusCode.RequestEntityTooLarge, "request_too_large", "The request body is larger than the limit"),
        BadHttpRequestException { InnerException: JsonException json } =>
            Expected(HttpStatusCode.BadRequest, "parameter_invalid", json.Path is { Length: > 1 } path ? $"Invalid value at {path}" : "The request body is not valid JSON"),
        BadHttpRequestException { StatusCode: 415 } => Expected(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "Send the request body as application/json"),
        // Judged by the request itself, not by the exception's wording: a write sent without a body.
        BadHttpRequestException when SendsNoBody(request) => Expected(HttpStatusCode.BadRequest, "parameter_invalid", "A JSON request body is required"),
        BadHttpRequestException => Expected(HttpStatusCode.BadRequest, "parameter_invalid", "A request parameter has an invalid value"),
        ContactErasedException => Expected(HttpStatusCode.Gone, "contact_erased", "This contact's data was erased and can no longer be read"),
        CryptoIntegrityException => new(FailureKind.IntegrityFailure, HttpStatusCode.InternalServerError, "integrity_error", "Stored data failed its integrity check; the incident was recorded"),
        _ => DatabaseFailure.Classify(ex) switch
        {
            DatabaseFailureKind.Conflict => Expected(HttpStatusCode.Conflict, "conflict", "The change conflicts with the current state; retry the request"),
            DatabaseFailureKind.InvalidValue => Expected(HttpStatusCode.BadRequest, "parameter_invalid", "A request value cannot be stored (a NUL character, or a number or date out of range)"),
            DatabaseFailureKind.Unavailable => new(FailureKind.DatabaseUnavailable, HttpStatusCode.ServiceUnavailable, "service_unavailable", "The service is temporarily unavailable; retry after the time in Retry-After"),
            _ => new(FailureKind.Unexpected, HttpStatusCode.InternalServerError, "server_error", "An unexpected error occurred"),
        },
    };

    private static Failure Expected(HttpStatusCode status, string code, string message) => new(FailureKind.Expected, status, code, message);

    private static bool SendsNoBody(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
        && request.ContentLength is null or 0
        && request.Headers.TransferEncoding.Count == 0;

    private void Log(HttpContext context, Exception ex, Failure failure)
    {
        if (failure.Kind == FailureKind.Expected)
        {
            return;
        }

        if (failure.Kind == FailureKind.IntegrityFailure)
        {
            // An event, not a data dump: stored data failed authentication (tampering, a moved
            // value or a wrong key). Which row is in the stack; no value is logged. Never
            // suppressed: each one is an incident.
            LogIntegrityFailure(logger, context.TraceIdentifier, ex.StackTrace);
            return;
        }

        // The route pattern, not the path: paths carry ids.
        var endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.GetEndpoint()?.DisplayName ?? "(none)";
        var type = ex.GetType().FullName;
        if (!_logLimiter.ShouldLog(new LogKey(failure.Kind.ToString(), type, endpoint), out var suppressed))
        {
            return;
        }

        if (failure.Kind == FailureKind.DatabaseUnavailable)
        {
            var cell = context.RequestServices.GetService<CurrentCell>();
            LogDatabaseUnavailable(logger, context.TraceIdentifier, endpoint, cell is { IsResolved: true } ? cell.Region.Code : "?", DatabaseFailure.ReasonOf(ex), type, suppressed);
            return;
        }

        // Type and stack only: exception messages can quote stored values.
        LogUnhandled(logger, type, context.TraceIdentifier, endpoint, suppressed, ex.StackTrace);
    }

    [LoggerMessage(EventId = 4100, EventName = "DataIntegrityFailure", Level = LogLevel.Critical, Message = "Stored data failed decryption or authentication for request {RequestId} at {StackTrace}")]
    private static partial void LogIntegrityFailure(ILogger logger, string requestId, string? stackTrace);

    [LoggerMessage(EventId = 4101, EventName = "DatabaseUnavailable", Level = LogLevel.Warning, Message = "Request {RequestId} to {Endpoint} answered 503: the {Region} database is unavailable ({Reason}, {ExceptionType}); {Suppressed} more like it since the last one logged were left out")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string requestId, string endpoint, string region, string reason, string? exceptionType, int suppressed);

    [LoggerMessage(EventId = 4102, EventName = "UnhandledError", Level = LogLevel.Error, Message = "Unhandled {ExceptionType} for request {RequestId} to {Endpoint}; {Suppressed} more like it since the last one logged were left out; at {StackTrace}")]
    private static partial void LogUnhandled(ILogger logger, string? exceptionType, string requestId, string endpoint, int suppressed, string? stackTrace);
}
