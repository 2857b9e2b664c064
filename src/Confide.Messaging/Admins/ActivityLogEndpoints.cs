using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Admins;

/// <summary>
/// Intercom's <c>GET /admins/activity_logs</c> and Confide's search, verifiable export and
/// Merkle proofs. Every view is read from the entry's own sealed bytes, the same bytes that are
/// hashed and exported, so what the API shows is what the customer can verify.
/// </summary>
internal static class ActivityLogEndpoints
{
    public static void MapActivityLogEndpoints(this IEndpointRouteBuilder api)
    {
        var logs = api.MapGroup("/admins/activity_logs").RequirePermission(Permissions.ActivityLogRead);
        logs.MapGet("", ListAsync);
        logs.MapPost("/search", SearchAsync);
        logs.MapGet("/export", ExportAsync);
        logs.MapGet("/proofs/inclusion", InclusionProofAsync);
        logs.MapGet("/proofs/consistency", ConsistencyProofAsync);
    }

    internal sealed record PerformedByView(string Type, string Id, string? Email, string? Ip, string? TokenId);

    internal sealed record TargetView(string Type, string Id);

    internal sealed record ActivityLogView(
        string Id, PerformedByView PerformedBy, JsonObject Metadata, long CreatedAt, string ActivityType, string ActivityDescription,
        string PerformedVia, TargetView? Target, long Sequence)
    {
        public static ActivityLogView From(ActivityEntry e) => new(
            e.Id,
            new PerformedByView(e.PerformedBy.Type, e.PerformedBy.Id, e.PerformedBy.Email, e.PerformedBy.Ip, e.PerformedBy.TokenId),
            e.Metadata ?? [],
            e.CreatedAtMs / 1000,
            e.ActivityType,
            e.Description,
            e.PerformedVia,
            e.Target is null ? null : new TargetView(e.Target.Type, e.Target.Id),
            e.Sequence);
    }

    internal sealed record ActivityLogListView(IReadOnlyList<ActivityLogView> ActivityLogs, Api.PagesView Pages)
    {
        public string Type { get; } = "activity_log.list";
    }

    internal sealed record SearchRequest(long? CreatedAtAfter, long? CreatedAtBefore, string[]? EventTypes, string? PerformedById, int? PerPage, string? StartingAfter);

    private static Task<IResult> ListAsync(
        ApiCaller caller, CurrentCell cell, ActivityLogQuery query,
        [FromQuery(Name = "created_at_after")] string? createdAtAfter, [FromQuery(Name = "created_at_before")] string? createdAtBefore,
        [FromQuery(Name = "per_page")] int? perPage, [FromQuery(Name = "starting_after")] string? startingAfter, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(createdAtAfter))
        {
            throw new ConfideException(ConfideError.ParameterMissing("created_at_after"));
        }

        var filter = new SearchRequest(Seconds(createdAtAfter, "created_at_after"), createdAtBefore is null ? null : Seconds(createdAtBefore, "created_at_before"), null, null, perPage, startingAfter);
        return PageAsync(caller, cell, query, filter, ct);
    }

    private static Task<IResult> SearchAsync(ApiCaller caller, CurrentCell cell, ActivityLogQuery query, SearchRequest request, CancellationToken ct)
    {
        if (request.EventTypes is { } types && types.Any(t => !ActivityTypes.All.Contains(t)))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("event_types contains an unknown activity type; docs/activity-log.md lists them"));
        }

        return PageAsync(caller, cell, query, request, ct);
    }

    private static async Task<IResult> PageAsync(ApiCaller caller, CurrentCell cell, ActivityLogQuery query, SearchRequest request, CancellationToken ct)
    {
        var size = Api.PageSize.Resolve(request.PerPage, 20);
        var before = DecodeCursor(request.StartingAfter);
        if (request.CreatedAtAfter is < 0 or > UnixSeconds.MaxBeforeLast || request.CreatedAtBefore is < 0 or > UnixSeconds.MaxBeforeLast)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("created_at_after and created_at_before must be Unix timestamps in seconds"));
        }

        var filter = new ActivityLogFilter(
            request.CreatedAtAfter is { } after ? DateTimeOffset.FromUnixTimeSeconds(after) : null,
            // Intercom's created_at_before includes its second; the filter's bound excludes.
            request.CreatedAtBefore is { } until ? DateTimeOffset.FromUnixTimeSeconds(until + 1) : null,
            request.EventTypes,
            request.PerformedById);
        var total = await ActivityLogQuery.CountAsync(cell.Database, caller.WorkspaceId, filter, ct);
        var page = await query.PageAsync(cell.Database, caller.WorkspaceId, filter, before, after: null, size, ct);
        var views = page.Items.Select(i => ActivityLogView.From(i.Entry)).ToList();
        var pages = new Api.PagesView(size, Math.Max(1, (int)Math.Ceiling(total / (double)size)),
            page.Older is { } older ? new Api.PagesNextView(size, EncodeCursor(older)) : null);
        return TypedResults.Ok(new ActivityLogListView(views, pages));
    }

    /// <summary>The verifiable export (docs/activity-log.md). The export itself is recorded first, so it appears in what it exports.</summary>
    private static async Task ExportAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, ActivityLogExporter exporter, HttpContext http, CancellationToken ct)
    {
        await log.AppendAsync(cell.Database, caller.WorkspaceId, new ActivityEvent(
            ActivityTypes.ActivityLogExport, caller.Actor, "The activity log was exported."), ct);
        http.Response.ContentType = "application/x-ndjson";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"activity-log-{caller.WorkspaceId}.jsonl\"";
        await exporter.WriteAsync(cell.Database, caller.WorkspaceId, http.Response.Body, ct);
    }

    internal sealed record InclusionProofView(long LeafIndex, long TreeSize, string LeafHash, string RootHash, IReadOnlyList<string> AuditPath);

    internal sealed record ConsistencyProofView(long FirstTreeSize, long SecondTreeSize, string FirstRootHash, string SecondRootHash, IReadOnlyList<string> Proof);

    /// <summary>RFC 9162 inclusion proof of entry <c>sequence</c> in the tree of <c>tree_size</c> entries (default: the whole log).</summary>
    private static async Task<IResult> InclusionProofAsync(ApiCaller caller, CurrentCell cell, [FromQuery] long? sequence, [FromQuery(Name = "tree_size")] long? treeSize, CancellationToken ct)
    {
        var leaves = await LeafHashesAsync(cell.Database, caller.WorkspaceId, ct);
        var size = treeSize ?? leaves.Count;
        if (sequence is not { } index || index < 0 || size < 1 || size > leaves.Count || index >= size)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"Need 0 <= sequence < tree_size <= {leaves.Count} (the log's size)"));
        }

        var path = MerkleTree.InclusionProof(leaves, index, size);
        return TypedResults.Ok(new InclusionProofView(index, size, Hex(leaves[(int)index]), Hex(MerkleTree.Root([.. leaves.Take((int)size)])), [.. path.Select(Hex)]));
    }

    /// <summary>RFC 9162 consistency proof that the tree of <c>first</c> entries is a prefix of the tree of <c>second</c> (default: the whole log).</summary>
    private static async Task<IResult> ConsistencyProofAsync(ApiCaller caller, CurrentCell cell, [FromQuery] long? first, [FromQuery] long? second, CancellationToken ct)
    {
        var leaves = await LeafHashesAsync(cell.Database, caller.WorkspaceId, ct);
        var to = second ?? leaves.Count;
        if (first is not { } from || from < 1 || from > to || to > leaves.Count)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"Need 1 <= first <= second <= {leaves.Count} (the log's size)"));
        }

        var proof = MerkleTree.ConsistencyProof(leaves, from, to);
        return TypedResults.Ok(new ConsistencyProofView(from, to, Hex(MerkleTree.Root([.. leaves.Take((int)from)])), Hex(MerkleTree.Root([.. leaves.Take((int)to)])), [.. proof.Select(Hex)]));
    }

    private static async Task<List<byte[]>> LeafHashesAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return await db.ActivityLogEntries.Where(e => e.WorkspaceId == workspaceId).OrderBy(e => e.Sequence).Select(e => e.LeafHash).ToListAsync(ct);
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private static long Seconds(string value, string name) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= UnixSeconds.MaxBeforeLast
            ? seconds
            : throw new ConfideException(ConfideError.ParameterInvalid($"{name} must be a Unix timestamp in seconds"));

    private static string EncodeCursor(long sequence) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes("a" + sequence.ToString(CultureInfo.InvariantCulture)));

    private static long? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith('a') && long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                return sequence;
            }
        }
        catch (FormatException)
        {
        }

        throw new ConfideException(ConfideError.ParameterInvalid("starting_after is not a valid cursor"));
    }
}
