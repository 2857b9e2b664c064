using System.Net;
using System.Text.Json;
using Confide.Crypto;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Hosting;

/// <summary>
/// Maps every failure to the Intercom error body, once, at the edge: domain errors to their
/// status, unreadable input to 400, oversize bodies to 413, constraint races to 409, anything
/// else to a 500 that reveals nothing but a request id. Messages never carry request content.
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, code, message) = Map(ex);
            if (ex is CryptoIntegrityException)
            {
                // An event, not a data dump: stored data failed authentication (tampering, a
                // moved value or a wrong key). Which row is in the stack; no value is logged.
                LogIntegrityFailure(logger, context.TraceIdentifier, ex.StackTrace);
            }
            else if (status == HttpStatusCode.InternalServerError)
            {
                // Type and stack only: exception messages can quote stored values.
                LogUnhandled(logger, ex.GetType().FullName, context.TraceIdentifier, ex.StackTrace);
            }

            context.Response.Clear();
            if (context.Request.Path.StartsWithSegments("/app"))
            {
                // Teammate pages get a page, not the API's JSON body.
                context.Response.StatusCode = (int)status;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync($"Confide could not complete this request ({(int)status}). Request id: {context.TraceIdentifier}");
                return;
            }

            await ErrorResponses.WriteAsync(context, status, code, message);
        }
    }

    private static (HttpStatusCode, string, string) Map(Exception ex) => ex switch
    {
        ConfideException { Error: var e } => (e.Status, e.Code, e.Message),
        BadHttpRequestException { StatusCode: 413 } => (HttpStatusCode.RequestEntityTooLarge, "request_too_large", "The request body is larger than the limit"),
        BadHttpRequestException { InnerException: JsonException json } =>
            (HttpStatusCode.BadRequest, "parameter_invalid", json.Path is { Length: > 1 } path ? $"Invalid value at {path}" : "The request body is not valid JSON"),
        BadHttpRequestException { StatusCode: 415 } => (HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "Send the request body as application/json"),
        BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
            (HttpStatusCode.BadRequest, "parameter_invalid", "A JSON request body is required"),
        BadHttpRequestException => (HttpStatusCode.BadRequest, "parameter_invalid", "A request parameter has an invalid value"),
        ContactErasedException => (HttpStatusCode.Gone, "contact_erased", "This contact's data was erased and can no longer be read"),
        CryptoIntegrityException => (HttpStatusCode.InternalServerError, "integrity_error", "Stored data failed its integrity check; the incident was recorded"),
        DbUpdateException => (HttpStatusCode.Conflict, "conflict", "The change conflicts with the current state; retry the request"),
        _ => (HttpStatusCode.InternalServerError, "server_error", "An unexpected error occurred"),
    };

    [LoggerMessage(EventId = 4100, EventName = "DataIntegrityFailure", Level = LogLevel.Critical, Message = "Stored data failed decryption or authentication for request {RequestId} at {StackTrace}")]
    private static partial void LogIntegrityFailure(ILogger logger, string requestId, string? stackTrace);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled {ExceptionType} for request {RequestId} at {StackTrace}")]
    private static partial void LogUnhandled(ILogger logger, string? exceptionType, string requestId, string? stackTrace);
}
