using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Confide.Tests.Edge;

/// <summary>
/// The edge answers a database exception by its error code: only a taken unique key is a 409,
/// an unavailable database a 503 with Retry-After (for the API and the teammate pages), any
/// other failure a 500 — and a burst of identical failures logs one line, not one per request.
/// </summary>
public sealed class ErrorClassificationTests
{
    // SQLite result codes as SQLite reports them (primary, extended).
    private static readonly SqliteException UniqueTaken = new("UNIQUE constraint failed", 19, 2067);
    private static readonly SqliteException ForeignKeyMissing = new("FOREIGN KEY constraint failed", 19, 787);
    private static readonly SqliteException DiskFull = new("database or disk is full", 13, 13);

    [Fact]
    public async Task DatabaseExceptions_AreAnsweredByTheirErrorCode()
    {
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configureApp: app =>
        {
            Throwing(app, "/test/unique", new DbUpdateException("saving failed", UniqueTaken));
            Throwing(app, "/test/foreign-key", new DbUpdateException("saving failed", ForeignKeyMissing));
            Throwing(app, "/test/disk-full", new DbUpdateException("saving failed", DiskFull));
            Throwing(app, "/app/test/disk-full", new DbUpdateException("saving failed", DiskFull));
        });
        using var client = server.Client(Region.Eu);

        await (await client.PostAsync("test/unique", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        // Not every DbUpdateException is a conflict: a broken reference is a bug.
        await (await client.PostAsync("test/foreign-key", null)).ErrorAsync(HttpStatusCode.InternalServerError, "server_error");

        using var api = await client.PostAsync("test/disk-full", null);
        await api.ErrorAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), api.Headers.RetryAfter?.Delta);

        using var page = await client.PostAsync("app/test/disk-full", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), page.Headers.RetryAfter?.Delta);
        Assert.Equal("text/plain", page.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("disk is full", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedUnexpectedFailures_LogOneLineWithTheStack_ThenCountTheRest()
    {
        var logs = new CapturedLogs();
        await using var server = await TestServer.StartAsync(
            Providers.Sqlite, configure: builder => builder.Logging.AddProvider(logs), configureApp: app =>
                app.MapGet("/test/bug", IResult () => throw new InvalidOperationException("detail that could quote data")).AllowAnonymous());
        using var client = server.Client(Region.Eu);
        var before = logs.Lines.Count;

        for (var i = 0; i < 30; i++)
        {
            await (await client.GetAsync("test/bug")).ErrorAsync(HttpStatusCode.InternalServerError, "server_error");
        }

        var lines = logs.Lines.Skip(before).ToList();
        var line = Assert.Single(lines);
        Assert.Contains("Unhandled System.InvalidOperationException", line, StringComparison.Ordinal);
        Assert.Contains("/test/bug", line, StringComparison.Ordinal);
        Assert.Contains("   at ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("detail that could quote data", line, StringComparison.Ordinal);
    }

    private static void Throwing(WebApplication app, string path, Exception exception) =>
        app.MapPost(path, IResult () => throw exception).AllowAnonymous();
}
