using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Confide.Data.Jobs;
using Confide.Platform;
using Confide.Privacy.Exports;
using Confide.Privacy.Exports.Content;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's data export (<c>/export/content/data</c>): one row per outbound message a contact
/// received in the range, in Intercom's columns, gzipped and sealed at rest; Intercom's statuses,
/// one export at a time, cancel, its errors; the permission, other workspaces, erasure and expiry.
/// </summary>
public sealed class DataExportApiTests(Servers servers)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static readonly string[] IntercomColumns =
    [
        "user_id", "user_external_id", "company_id", "email", "name", "ruleset_id", "content_id", "content_type", "content_title",
        "ruleset_version_id", "receipt_id", "received_at", "series_id", "series_title", "node_id", "first_reply", "first_completion",
        "first_series_completion", "first_series_disengagement", "first_series_exit", "first_goal_success", "first_open", "first_click",
        "first_dismisall", "first_unsubscribe", "first_hard_bounce",
    ];

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnExport_HasOneRowPerMessageReceivedInTheRange_InIntercomsColumns(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var otherWorkspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = otherWorkspace.Client();
        var canaries = new CanaryMarkers();
        var email = $"{canaries["email"]}@example.com";
        var alice = (await (await api.PostJsonAsync("contacts", new { role = "user", email, name = $"{canaries["name"]}, \"Al\"", external_id = canaries["external_id"] })).JsonAsync()).Str("id");
        var bob = (await (await api.PostJsonAsync("contacts", new { role = "lead", name = "Bob" })).JsonAsync()).Str("id");

        var welcome = await SendAsync(api, workspace.OwnerId, alice, "Welcome", $"{canaries["message"]}", "email");
        await (await api.PostJsonAsync($"conversations/{welcome.ConversationId}/reply", new { message_type = "comment", type = "user", intercom_user_id = alice, body = "Thanks" })).JsonAsync();
        var nudge = await SendAsync(api, workspace.OwnerId, bob, null, "Can we help?", "inapp");
        var old = await SendAsync(api, workspace.OwnerId, alice, "Last month", "An old message", "inapp");
        await BackdateAsync(server, old.MessageId, TimeSpan.FromDays(40));
        // Not outbound content: a conversation the contact started, and another workspace's message.
        await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = alice }, body = "I have a question" })).JsonAsync();
        var stranger = (await (await otherApi.PostJsonAsync("contacts", new { email = "x" + email })).JsonAsync()).Str("id");
        await SendAsync(otherApi, otherWorkspace.OwnerId, stranger, "Hello", "Other workspace", "inapp");

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var started = await (await api.PostJsonAsync("export/content/data", new { created_at_after = now - 3600, created_at_before = now + 3600 })).JsonAsync();
        var jobId = started.Str("job_identifier");
        Assert.Contains(started.Str("status"), new[] { "pending", "in_progress", "completed" });
        var done = await FinishedAsync(api, jobId);
        Assert.Equal("completed", done.Str("status"));
        Assert.Equal(new Uri(server.BaseUrl(Region.Eu), $"download/content/data/{jobId}").ToString(), done.Str("download_url"));
        var expiresAt = long.Parse(done.Str("download_expires_at"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), (long)TimeSpan.FromDays(7).TotalSeconds - 120, (long)TimeSpan.FromDays(7).TotalSeconds + 5);

        var (header, rows) = await DownloadAsync(api, jobId);
        Assert.Equal(IntercomColumns, header);
        Assert.Equal([welcome.MessageId, nudge.MessageId], rows.Select(r => r["ruleset_id"]).Order(StringComparer.Ordinal));
        var first = rows.Single(r => r["ruleset_id"] == welcome.MessageId);
        Assert.Equal(
            [alice, canaries["external_id"], "-1", email, $"{canaries["name"]}, \"Al\"", welcome.MessageId, "", "Welcome", "", welcome.ConversationId, welcome.CreatedAt.ToString(System.Globalization.CultureInfo.InvariantCulture), "-1", "", ""],
            [first["user_id"], first["user_external_id"], first["company_id"], first["email"], first["name"], first["content_id"], first["content_type"], first["content_title"], first["ruleset_version_id"], first["receipt_id"], first["received_at"], first["series_id"], first["series_title"], first["node_id"]]);
        Assert.InRange(long.Parse(first["first_reply"], System.Globalization.CultureInfo.InvariantCulture), welcome.CreatedAt, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var second = rows.Single(r => r["ruleset_id"] == nudge.MessageId);
        Assert.Equal((bob, "", "", "Bob", ""), (second["user_id"], second["email"], second["content_title"], second["name"], second["first_reply"]));
        Assert.All(rows, r => Assert.All(IntercomColumns[16..], column => Assert.Equal("", r[column])));

        // On disk: the key and the sealed file, nothing of the contacts in any encoding.
        var directory = server.Services.GetRequiredService<SubjectExportFiles>().Directory(Region.Eu, jobId);
        Assert.Equal([ContentExportArchive.ArchiveName, "key"], Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(directory))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var (field, marker) in canaries.All)
            {
                foreach (var (encoding, pattern) in CanaryMarkers.Encodings(marker))
                {
                    Assert.False(bytes.AsSpan().IndexOf(pattern) >= 0, $"{Path.GetFileName(file)} holds {field} in clear ({encoding}).");
                }
            }
        }

        // The start and the download are logged, with ids and the range only.
        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.GetRawText().Contains(jobId, StringComparison.Ordinal)).ToList();
        Assert.Equal(["app_data_export", "data_export_download"], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.DoesNotContain(canaries["email"], e.GetRawText(), StringComparison.OrdinalIgnoreCase));

        // Another workspace sees none of it; its own export of the same range has only its own message.
        await (await otherApi.GetAsync($"export/content/data/{jobId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.GetAsync($"download/content/data/{jobId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostAsync($"export/cancel/{jobId}", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var theirs = (await (await otherApi.PostJsonAsync("export/content/data", new { created_at_after = now - 3600, created_at_before = now + 3600 })).JsonAsync()).Str("job_identifier");
        await FinishedAsync(otherApi, theirs);
        Assert.Equal([stranger], (await DownloadAsync(otherApi, theirs)).Rows.Select(r => r["user_id"]));

        // A finished export is answered unchanged by a cancel.
        var cancelled = await (await api.PostAsync($"export/cancel/{jobId}", null)).JsonAsync();
        Assert.Equal(("completed", done.Str("download_url")), (cancelled.Str("status"), cancelled.Str("download_url")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ARangeWithoutMessages_IsNoData_WithNothingToDownload(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = (await (await api.PostJsonAsync("contacts", new { email = $"n-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        await SendAsync(api, workspace.OwnerId, contact, null, "Now, not then", "inapp");

        var jobId = (await (await api.PostJsonAsync("export/content/data", new { created_at_after = 1_600_000_000, created_at_before = 1_600_086_400 })).JsonAsync()).Str("job_identifier");
        var done = await FinishedAsync(api, jobId);
        Assert.Equal(("no_data", "", ""), (done.Str("status"), done.Str("download_url"), done.Str("download_expires_at")));
        await (await api.GetAsync($"download/content/data/{jobId}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.False(Directory.Exists(server.Services.GetRequiredService<SubjectExportFiles>().Directory(Region.Eu, jobId)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task APendingExport_IsTheOnlyOne_UntilCancelled(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        // A job the runner will not take yet: what a busy region's queue holds.
        var pending = await server.Services.GetRequiredService<JobQueue>().EnqueueAsync(server.Cell(Region.Eu), new JobRequest(ContentExportJob.JobKind, workspace.Id,
            Payload: """{"after":0,"before":3600}""", NotBefore: DateTimeOffset.UtcNow.AddHours(1)), CancellationToken.None);
        var shown = await (await api.GetAsync($"export/content/data/{pending.Id}")).JsonAsync();
        Assert.Equal((pending.Id, "pending", "", ""), (shown.Str("job_identifier"), shown.Str("status"), shown.Str("download_url"), shown.Str("download_expires_at")));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = now - 60, created_at_before = now })).ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        await (await api.GetAsync($"download/content/data/{pending.Id}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");

        var cancelled = await (await api.PostAsync($"export/cancel/{pending.Id}", null)).JsonAsync();
        Assert.Equal((pending.Id, "canceled"), (cancelled.Str("job_identifier"), cancelled.Str("status")));
        Assert.Equal("canceled", (await (await api.GetAsync($"export/content/data/{pending.Id}")).JsonAsync()).Str("status"));
        Assert.Equal("canceled", (await (await api.PostAsync($"export/cancel/{pending.Id}", null)).JsonAsync()).Str("status"));
        var next = (await (await api.PostJsonAsync("export/content/data", new { created_at_after = now - 60, created_at_before = now })).JsonAsync()).Str("job_identifier");
        Assert.Equal("no_data", (await FinishedAsync(api, next)).Str("status"));
        Assert.Contains(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "data_export_cancellation" && e.GetProperty("target").Str("id") == pending.Id);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadRequests_AreIntercomErrors_AndThePermissionIsNeeded(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await (await api.PostJsonAsync("export/content/data", new { created_at_before = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = now, created_at_before = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = now, created_at_before = now - 1 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = "yesterday", created_at_before = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = 1.5, created_at_before = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = -5, created_at_before = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = 0, created_at_before = now })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("export/content/data", new { created_at_after = now, created_at_before = long.MaxValue })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostRawAsync("export/content/data", "[1,2]")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        foreach (var unknown in new[] { "0123456789abcdef01234567", "job-canary" })
        {
            foreach (var response in new[] { await api.GetAsync($"export/content/data/{unknown}"), await api.PostAsync($"export/cancel/{unknown}", null), await api.GetAsync($"download/content/data/{unknown}") })
            {
                // The served family's own 404 (no longer the unserved-endpoint one), not repeating the id.
                var message = (await response.ErrorAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("errors")[0].Str("message");
                Assert.Equal("Data export Not Found", message);
            }
        }

        var jobId = (await (await api.PostJsonAsync("export/content/data", new { created_at_after = now - 60, created_at_before = now })).JsonAsync()).Str("job_identifier");
        await FinishedAsync(api, jobId);
        var secret = (await (await api.PostJsonAsync("confide/api_tokens", new { name = "no export", scopes = new[] { "contacts.read", "conversations.read.all" } })).JsonAsync()).Str("access_token");
        using var narrowed = server.Client(Region.Eu, secret);
        await (await narrowed.PostJsonAsync("export/content/data", new { created_at_after = now - 60, created_at_before = now })).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await narrowed.GetAsync($"export/content/data/{jobId}")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await narrowed.PostAsync($"export/cancel/{jobId}", null)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await narrowed.GetAsync($"download/content/data/{jobId}")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ErasingAContact_RemovesTheirRowsAtOnce_AndTheFileIsGoneAfterItsExpiry(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var erased = (await (await api.PostJsonAsync("contacts", new { email = $"e-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var kept = (await (await api.PostJsonAsync("contacts", new { email = $"k-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        await SendAsync(api, workspace.OwnerId, erased, null, "One", "inapp");
        await SendAsync(api, workspace.OwnerId, erased, null, "Two", "inapp");
        await SendAsync(api, workspace.OwnerId, kept, null, "Three", "inapp");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var jobId = (await (await api.PostJsonAsync("export/content/data", new { created_at_after = now - 3600, created_at_before = now + 3600 })).JsonAsync()).Str("job_identifier");
        await FinishedAsync(api, jobId);
        Assert.Equal(new[] { erased, erased, kept }.Order(StringComparer.Ordinal), (await DownloadAsync(api, jobId)).Rows.Select(r => r["user_id"]).Order(StringComparer.Ordinal));

        var receipt = await (await api.DeleteAsync($"contacts/{erased}")).JsonAsync();
        Assert.Equal(erased, receipt.Str("id"));
        Assert.Equal([kept], (await DownloadAsync(api, jobId)).Rows.Select(r => r["user_id"]));

        var cell = server.Cell(Region.Eu);
        Confide.Data.Model.Job expiry;
        await using (var db = cell.CreateReadContext())
        {
            expiry = await db.Jobs.AsNoTracking().SingleAsync(j => j.WorkspaceId == workspace.Id && j.Kind == SubjectExportExpiryJob.JobKind);
        }

        var handler = server.Services.GetServices<IJobHandler>().Single(h => h.Kind == SubjectExportExpiryJob.JobKind);
        await handler.RunStepAsync(new JobContext { Cell = cell, JobId = expiry.Id, Kind = expiry.Kind, WorkspaceId = workspace.Id, Payload = expiry.Payload, Attempt = 1 }, CancellationToken.None);
        var after = await (await api.GetAsync($"export/content/data/{jobId}")).JsonAsync();
        Assert.Equal(("completed", ""), (after.Str("status"), after.Str("download_url")));
        await (await api.GetAsync($"download/content/data/{jobId}")).ErrorAsync(HttpStatusCode.Gone, "gone");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnExportInterruptedMidway_Resumes_WithEveryRowOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = (await (await api.PostJsonAsync("contacts", new { email = $"r-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await SendAsync(api, workspace.OwnerId, contact, null, $"Message {i}", "inapp")).MessageId);
        }

        var cell = server.Cell(Region.Eu);
        var files = server.Services.GetRequiredService<SubjectExportFiles>();
        var job = new ContentExportJob(
            server.Services.GetRequiredService<ContentExportReader>(), files, server.Services.GetRequiredService<JobQueue>(),
            Options.Create(new SubjectExportOptions { ContentRowsPerStep = 2 }), TimeProvider.System, NullLogger<ContentExportJob>.Instance);
        var jobId = PublicIds.NewEntityId(TimeProvider.System);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var context = new JobContext
        {
            Cell = cell, JobId = jobId, Kind = ContentExportJob.JobKind, WorkspaceId = workspace.Id, Attempt = 1,
            Payload = $$"""{"after":{{now - 3600}},"before":{{now + 3600}}}""",
        };

        var steps = 0;
        while (true)
        {
            var result = await job.RunStepAsync(context, CancellationToken.None);
            Assert.Null(result.FailureCode);
            steps++;
            if (steps is 2 or 4)
            {
                // The process dies after the step's work but before its commit, leaving a half-written file: the next runner repeats the step.
                await File.WriteAllTextAsync(ContentExportArchive.SegmentPath(files.Directory(Region.Eu, jobId), 5) + ".tmp", "half-written");
                result = await job.RunStepAsync(context with { Attempt = context.Attempt + 1 }, CancellationToken.None);
            }

            if (result.Finished)
            {
                Assert.Equal(sent.Count, result.ProgressDone);
                break;
            }

            context = context with { Checkpoint = result.Checkpoint, ProgressDone = result.ProgressDone, ProgressTotal = result.ProgressTotal };
            Assert.True(steps < 50, "The export did not finish.");
        }

        // A repeat of the last step (its completion was not recorded) changes nothing.
        Assert.Equal(sent.Count, (await job.RunStepAsync(context, CancellationToken.None)).ProgressDone);
        var key = await files.KeyAsync(cell, workspace.Id, jobId, create: false, CancellationToken.None);
        using var csv = new MemoryStream();
        using (var opened = new GZipStream(new OpeningStream(File.OpenRead(ContentExportArchive.ArchivePath(files.Directory(Region.Eu, jobId))), jobId, key), CompressionMode.Decompress))
        {
            await opened.CopyToAsync(csv);
        }

        var (_, rows) = ParseCsv(Encoding.UTF8.GetString(csv.ToArray()));
        Assert.Equal(sent, rows.Select(r => r["ruleset_id"]));

        // An empty range: the last step deletes the key; repeated, it still ends with no data.
        var empty = context with { JobId = PublicIds.NewEntityId(TimeProvider.System), Checkpoint = null, ProgressDone = 0, Payload = """{"after":1600000000,"before":1600086400}""" };
        JobStepResult last;
        while (!(last = await job.RunStepAsync(empty, CancellationToken.None)).Finished)
        {
            empty = empty with { Checkpoint = last.Checkpoint };
        }

        var repeated = await job.RunStepAsync(empty, CancellationToken.None);
        Assert.True(repeated.Finished);
        Assert.Equal((0, 0), (last.ProgressDone, repeated.ProgressDone));
        Assert.False(Directory.Exists(files.Directory(Region.Eu, empty.JobId)));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ContactsErasedWhileAnExportRuns_OrInABatch_LeaveNoRow(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await (await api.PostJsonAsync("contacts", new { email = $"w{i}-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id"));
            await SendAsync(api, workspace.OwnerId, ids[i], null, $"Message {i}", "inapp");
        }

        var cell = server.Cell(Region.Eu);
        var files = server.Services.GetRequiredService<SubjectExportFiles>();
        var job = new ContentExportJob(
            server.Services.GetRequiredService<ContentExportReader>(), files, server.Services.GetRequiredService<JobQueue>(),
            Options.Create(new SubjectExportOptions { ContentRowsPerStep = 1 }), TimeProvider.System, NullLogger<ContentExportJob>.Instance);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var context = new JobContext
        {
            Cell = cell, JobId = PublicIds.NewEntityId(TimeProvider.System), Kind = ContentExportJob.JobKind, WorkspaceId = workspace.Id, Attempt = 1,
            Payload = $$"""{"after":{{now - 3600}},"before":{{now + 3600}}}""",
        };

        // Every row is read and written to a segment; then the first contact is erased before the segments are joined.
        JobStepResult step;
        while (JsonDocument.Parse((step = await job.RunStepAsync(context, CancellationToken.None)).Checkpoint!).RootElement.GetProperty("phase").GetString() != "assemble")
        {
            context = context with { Checkpoint = step.Checkpoint };
        }

        await (await api.DeleteAsync($"contacts/{ids[0]}")).JsonAsync();
        Assert.True((await job.RunStepAsync(context with { Checkpoint = step.Checkpoint }, CancellationToken.None)).Finished);
        Assert.Equal(ids[1..].Order(StringComparer.Ordinal), await RowsOnDiskAsync(context.JobId));

        // The batched erasure (retention's) removes the second from a finished export's file.
        var jobId = (await (await api.PostJsonAsync("export/content/data", new { created_at_after = now - 3600, created_at_before = now + 3600 })).JsonAsync()).Str("job_identifier");
        await FinishedAsync(api, jobId);
        Assert.Equal(ids[1..].Order(StringComparer.Ordinal), await RowsOnDiskAsync(jobId));
        var handler = server.Services.GetServices<Confide.Messaging.Contacts.Erasure.ISubjectDataHandler>().OfType<ContentExportData>().Single();
        await cell.Writer.WriteAsync(await handler.EraseManyAsync(cell, workspace.Id, [ids[1]], CancellationToken.None), CancellationToken.None);
        Assert.Equal(ids[2..], await RowsOnDiskAsync(jobId));

        async Task<List<string>> RowsOnDiskAsync(string jobId)
        {
            var key = await files.KeyAsync(cell, workspace.Id, jobId, create: false, CancellationToken.None);
            using var reader = new StreamReader(new GZipStream(new OpeningStream(File.OpenRead(ContentExportArchive.ArchivePath(files.Directory(Region.Eu, jobId))), jobId, key), CompressionMode.Decompress));
            return [.. ParseCsv(await reader.ReadToEndAsync()).Rows.Select(r => r["user_id"]).Order(StringComparer.Ordinal)];
        }
    }

    internal sealed record Sent(string MessageId, string ConversationId, long CreatedAt);

    internal static async Task<Sent> SendAsync(HttpClient api, string adminId, string contactId, string? subject, string body, string messageType)
    {
        var message = await (await api.PostJsonAsync("messages", new
        {
            message_type = messageType, subject, body, from = new { type = "admin", id = adminId }, to = new { type = "user", id = contactId },
        })).JsonAsync();
        return new Sent(message.Str("id"), message.Str("conversation_id"), message.GetProperty("created_at").GetInt64());
    }

    /// <summary>Moves a message's receipt into the past (the API sends messages now).</summary>
    private static Task<int> BackdateAsync(TestServer server, string messageId, TimeSpan age) =>
        server.Cell(Region.Eu).Writer.WriteAsync(
            (db, ct) => db.ConversationParts.Where(p => p.Id == messageId).ExecuteUpdateAsync(s => s.SetProperty(p => p.CreatedAt, DateTimeOffset.UtcNow - age), ct),
            CancellationToken.None);

    internal static async Task<JsonElement> FinishedAsync(HttpClient api, string jobId)
    {
        var done = await Poll.UntilAsync(
            async () => await (await api.GetAsync($"export/content/data/{jobId}")).JsonAsync(),
            e => e.Str("status") is "completed" or "no_data" or "failed" or "canceled",
            Wait,
            "the data export to finish");
        Assert.NotEqual("failed", done.Str("status"));
        return done;
    }

    private static async Task<(IReadOnlyList<string> Header, IReadOnlyList<Dictionary<string, string>> Rows)> DownloadAsync(HttpClient api, string jobId)
    {
        using var response = await api.GetAsync($"download/content/data/{jobId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        using var gzip = new GZipStream(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return ParseCsv(await reader.ReadToEndAsync());
    }

    /// <summary>RFC 4180, written here independently of the server's writer.</summary>
    private static (IReadOnlyList<string> Header, IReadOnlyList<Dictionary<string, string>> Rows) ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.Empty(record);
        var header = records[0];
        Assert.All(records, r => Assert.Equal(header.Count, r.Count));
        return (header, [.. records.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal))]);
    }
}
