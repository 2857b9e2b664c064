using System.Globalization;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Pages.App.Activity;

/// <summary>
/// The workspace's activity log for its teammates: a filtered, paged table, the same filters as
/// CSV and JSON Lines downloads, and the verifiable export. Any teammate may view it for now.
/// </summary>
[PagePermission(Permissions.ActivityLogRead)]
public sealed class IndexModel(
    TeammateMemberships memberships, CurrentCell cell, ActivityLogQuery query, ActivityLog log, ActivityLogExporter exporter, WorkspaceKeyRing keys)
    : TeammatePageModel(memberships, cell)
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;
    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    public sealed record TeammateOption(string Id, string Name);

    [BindProperty(SupportsGet = true, Name = "type")]
    public string? ActivityType { get; set; }

    [BindProperty(SupportsGet = true, Name = "actor")]
    public string? ActorId { get; set; }

    [BindProperty(SupportsGet = true, Name = "from")]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "before")]
    public long? Before { get; set; }

    [BindProperty(SupportsGet = true, Name = "after")]
    public long? After { get; set; }

    [BindProperty(SupportsGet = true, Name = "per_page")]
    public int? PerPage { get; set; }

    public IReadOnlyList<TeammateOption> Teammates { get; private set; } = [];

    public ActivityLogPage Entries { get; private set; } = new([], null, null);

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct))
        {
            return NotFound();
        }

        if (Current is null)
        {
            return Page();
        }

        Teammates = await TeammatesAsync(Current.WorkspaceId, ct);
        if (Filter() is not { } filter)
        {
            var invalid = Page();
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        var size = Math.Clamp(PerPage ?? DefaultPageSize, 1, MaxPageSize);
        Entries = await query.PageAsync(Cell.Database, Current.WorkspaceId, filter, Before, After, size, ct);
        return Page();
    }

    [RequiresStepUp]
    public Task<IActionResult> OnGetCsvAsync(CancellationToken ct) =>
        DownloadAsync("csv", ActivityCsv.ContentType, ActivityCsv.WriteAsync, ct);

    /// <summary>The matching entries' exact JSON bytes, one per line.</summary>
    [RequiresStepUp]
    public Task<IActionResult> OnGetJsonlAsync(CancellationToken ct) =>
        DownloadAsync("jsonl", "application/x-ndjson", async (items, body, token) =>
        {
            await foreach (var item in items.WithCancellation(token))
            {
                await body.WriteAsync(item.Json, token);
                await body.WriteAsync(NewLine, token);
            }
        }, ct);

    /// <summary>The whole log with its signed checkpoints. The export is recorded first, so it appears in what it exports.</summary>
    [RequiresStepUp]
    public async Task<IActionResult> OnPostExportAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        var (workspaceId, database) = (Current.WorkspaceId, Cell.Database);
        var actor = ActivityActor.Teammate(Current.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
        await log.AppendAsync(database, workspaceId, new ActivityEvent(ActivityTypes.ActivityLogExport, actor, "The activity log was exported."), ct);
        return new StreamedDownload("application/x-ndjson", $"activity-log-{workspaceId}.jsonl",
            (body, token) => exporter.WriteAsync(database, workspaceId, body, token));
    }

    /// <summary>This page's address with the current workspace and filters, for a handler or another page of results.</summary>
    public string Link(string? handler = null, long? before = null, long? after = null)
    {
        var link = new QueryBuilder();
        Add("handler", handler);
        Add("workspace", Current?.WorkspaceId);
        Add("type", ActivityType);
        Add("actor", ActorId);
        Add("from", Day(From));
        Add("to", Day(To));
        if (handler is null)
        {
            Add("per_page", PerPage?.ToString(CultureInfo.InvariantCulture));
            Add("before", before?.ToString(CultureInfo.InvariantCulture));
            Add("after", after?.ToString(CultureInfo.InvariantCulture));
        }

        return "/app/activity" + link.ToQueryString();

        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                link.Add(name, value);
            }
        }
    }

    public static string? Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<IActionResult> DownloadAsync(
        string extension, string contentType, Func<IAsyncEnumerable<ActivityLogItem>, Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        if (Filter() is not { } filter)
        {
            return BadRequest(Error!);
        }

        var (workspaceId, database) = (Current.WorkspaceId, Cell.Database);
        return new StreamedDownload(contentType, $"activity-log-{workspaceId}-view.{extension}",
            (body, token) => write(query.AllAsync(database, workspaceId, filter, token), body, token));
    }

    /// <summary>The filter the query names; null (and <see cref="Error"/> set) when it is not valid.</summary>
    private ActivityLogFilter? Filter()
    {
        Error = !ModelState.IsValid ? "A date or page in the address is not valid."
            : ActivityType is not null && !ActivityTypes.All.Contains(ActivityType) ? "There is no such activity type."
            : From > To ? "The start date is after the end date."
            : null;
        if (Error is not null)
        {
            return null;
        }

        // Dates are whole UTC days; the end date is included.
        return new ActivityLogFilter(
            From is { } from ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            To is { } to && to < DateOnly.MaxValue ? new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            ActivityType is null ? null : [ActivityType],
            string.IsNullOrEmpty(ActorId) ? null : ActorId);
    }

    private async Task<IReadOnlyList<TeammateOption>> TeammatesAsync(string workspaceId, CancellationToken ct)
    {
        await using var db = Cell.Database.CreateReadContext();
        var teammates = await db.Teammates.Where(t => t.WorkspaceId == workspaceId).ToListAsync(ct);
        var workforce = await keys.WorkforceAsync(Cell.Database, workspaceId, ct);
        return [.. teammates.Select(t => new TeammateOption(t.Id, TeammateDisplayNames.OrFallback(workforce.Name(t), workforce.Email(t)))).OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase)];
    }
}
