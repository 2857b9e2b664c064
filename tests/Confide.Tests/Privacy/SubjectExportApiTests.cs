using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Confide.Data.Jobs;
using Confide.Platform;
using Confide.Privacy.Exports;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Privacy;

/// <summary>
/// Access/portability exports over the API: every record of the subject and nothing of anyone
/// who looks like them, sealed on disk, downloadable through a short-lived link with the
/// permission, invisible to other workspaces, and deleted at expiry.
/// </summary>
public sealed class SubjectExportApiTests(Servers servers)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnExport_HoldsEveryRecordOfTheSubject_NothingOfLookAlikes_AndNothingInClearOnDisk(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var otherWorkspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = otherWorkspace.Client();
        var canaries = new CanaryMarkers();
        var email = $"{canaries["email"]}@example.com";
        var name = canaries["name"];

        var subject = await CreateContactAsync(api, workspace.OwnerId, new { email, name, external_id = canaries["external_id"], custom_attributes = new { plan = canaries["custom"] } },
            canaries["note"], [canaries["message_1"], canaries["message_2"], canaries["message_3"]]);
        var tagId = (await (await api.PostJsonAsync("tags", new { name = "tag-" + Guid.NewGuid().ToString("N") })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{subject}/tags", new { id = tagId })).JsonAsync();
        var subjectConversation = (await (await api.PostJsonAsync("conversations/search", new { query = new { field = "contact_ids", @operator = "=", value = subject } })).JsonAsync())
            .GetProperty("conversations")[0].Str("id");
        await (await api.PostJsonAsync($"conversations/{subjectConversation}/tags", new { id = tagId, admin_id = workspace.OwnerId })).JsonAsync();
        // Look-alikes: the same name and a similar email here, the same email in another workspace.
        await CreateContactAsync(api, workspace.OwnerId, new { email = "x" + email, name, external_id = canaries["lookalike_external_id"] },
            canaries["lookalike_note"], [canaries["lookalike_message"]]);
        await CreateContactAsync(otherApi, otherWorkspace.OwnerId, new { email, name, external_id = canaries["other_workspace_external_id"] },
            canaries["other_workspace_note"], [canaries["other_workspace_message"]]);

        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email })).JsonAsync()).Str("id");
        var started = await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync();
        Assert.Equal(("subject_export", request, subject), (started.Str("type"), started.Str("privacy_request_id"), started.Str("contact_id")));
        var exportId = started.Str("id");
        Assert.Equal(exportId, (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id"));
        var done = await CompletedAsync(api, exportId);
        Assert.Equal(exportId, (await (await api.GetAsync($"confide/privacy_requests/{request}/export")).JsonAsync()).Str("id"));
        Assert.InRange(done.GetProperty("expires_at").GetInt64() - done.GetProperty("completed_at").GetInt64() - (long)TimeSpan.FromDays(7).TotalSeconds, -5, 5);

        var (json, html) = await DownloadAsync(api, exportId);
        using var document = JsonDocument.Parse(json);
        var categories = document.RootElement.GetProperty("categories");
        Assert.Equal((exportId, subject), (document.RootElement.Str("export_id"), document.RootElement.Str("contact_id")));
        Assert.Equal(email, Only(categories, DataCategories.UserEmail, "contact").Str("email"));
        Assert.Equal(name, Only(categories, DataCategories.UserName, "contact").Str("name"));
        Assert.Equal(canaries["external_id"], Only(categories, DataCategories.UserId, "contact").Str("external_id"));
        Assert.Equal(canaries["custom"], Only(categories, DataCategories.UserCustom, "contact").GetProperty("custom_attributes").Str("plan"));
        Assert.Equal(canaries["note"], Only(categories, DataCategories.UserNote, "note").Str("body"));
        Assert.Equal(email, Only(categories, DataCategories.UserEmail, "privacy_request").Str("subject_email"));
        Assert.Equal(tagId, Only(categories, DataCategories.SystemOperations, "contact_tag").Str("tag_id"));
        var conversationTag = Only(categories, DataCategories.SystemOperations, "conversation_tag");
        Assert.Equal((tagId, subjectConversation), (conversationTag.Str("tag_id"), conversationTag.Str("conversation_id")));
        var parts = categories.GetProperty(DataCategories.UserMessage).GetProperty("conversation_part").EnumerateArray().ToList();
        Assert.Equal([canaries["message_1"], canaries["message_2"], canaries["message_3"]], parts.Select(p => p.Str("body")));
        Assert.Equal(parts.Count, parts.Select(p => p.Str("id")).Distinct().Count());
        // The log entries that name the subject, without who performed them.
        var logged = categories.GetProperty(DataCategories.EmployeeActivity).GetProperty("activity_log_entry").EnumerateArray().ToList();
        Assert.Contains(logged, e => e.Str("activity_type") == "privacy_request_creation" && e.GetProperty("target").Str("id") == request);
        Assert.Contains(logged, e => e.Str("activity_type") == "subject_export_creation" && e.GetProperty("target").Str("id") == exportId);
        Assert.All(logged, e => Assert.True(
            e.GetProperty("target").Str("id") == subject
                || (e.GetProperty("metadata").ValueKind == JsonValueKind.Object && e.GetProperty("metadata").TryGetProperty("contact_id", out var named) && named.GetString() == subject),
            e.GetRawText()));
        Assert.DoesNotContain(workspace.OwnerEmail, json, StringComparison.OrdinalIgnoreCase);

        foreach (var field in new[] { "email", "name", "external_id", "custom", "note", "message_1", "message_2", "message_3" })
        {
            Assert.Contains(canaries[field], html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        foreach (var (field, marker) in canaries.All.Where(c => c.Key.StartsWith("lookalike", StringComparison.Ordinal) || c.Key.StartsWith("other_workspace", StringComparison.Ordinal)))
        {
            Assert.False(json.Contains(marker, StringComparison.Ordinal) || html.Contains(marker, StringComparison.Ordinal), $"The export holds {field} of someone else.");
        }

        Assert.DoesNotContain("x" + email, json, StringComparison.Ordinal);

        // On disk: the archive and its key only, nothing of the subject in any encoding.
        var directory = server.Services.GetRequiredService<SubjectExportFiles>().Directory(Region.Eu, exportId);
        Assert.Equal(["archive.zip.sealed", "key"], Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
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

        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type").StartsWith("subject_export", StringComparison.Ordinal)).ToList();
        Assert.Equal(["subject_export_creation", "subject_export_download"], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal(("subject_export", exportId), (e.GetProperty("target").Str("type"), e.GetProperty("target").Str("id"))));
        Assert.All(entries, e => Assert.DoesNotContain(email, e.GetRawText(), StringComparison.OrdinalIgnoreCase));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Downloads_NeedThePermissionAndAValidLink_AndAnotherWorkspacesExportIs404(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var otherWorkspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = otherWorkspace.Client();
        var subject = await CreateContactAsync(api, workspace.OwnerId, new { email = $"s-{Guid.NewGuid():N}@example.com" }, "a note", ["hello"]);
        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = subject })).JsonAsync()).Str("id");
        var exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
        await CompletedAsync(api, exportId);
        var link = await (await api.PostAsync($"confide/exports/{exportId}/link", null)).JsonAsync();
        var url = link.Str("url");
        Assert.StartsWith($"/confide/exports/{exportId}/download?token=", url, StringComparison.Ordinal);
        Assert.InRange(link.GetProperty("expires_at").GetInt64() - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 540, 601);

        var secret = (await (await api.PostJsonAsync("confide/api_tokens", new { name = "no privacy", scopes = new[] { "contacts.read" } })).JsonAsync()).Str("access_token");
        using var narrowed = server.Client(Region.Eu, secret);
        await (await narrowed.GetAsync(url.TrimStart('/'))).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await narrowed.PostAsync($"confide/exports/{exportId}/link", null)).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await narrowed.GetAsync($"confide/exports/{exportId}")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");

        await (await otherApi.GetAsync($"confide/exports/{exportId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostAsync($"confide/exports/{exportId}/link", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.GetAsync(url.TrimStart('/'))).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PostAsync($"confide/privacy_requests/{request}/export", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var token = url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        await (await api.GetAsync($"confide/exports/{exportId}/download?token={tampered}")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await api.GetAsync($"confide/exports/{exportId}/download")).ErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(url.TrimStart('/'))).StatusCode);

        // Not an access request: refused with a clear error.
        var erasure = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", contact_id = subject })).JsonAsync()).Str("id");
        await (await api.PostAsync($"confide/privacy_requests/{erasure}/export", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await api.GetAsync($"confide/privacy_requests/{erasure}/export")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AFinishedExport_SchedulesItsDeletion_AndIsGoneAfterIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var subject = await CreateContactAsync(api, workspace.OwnerId, new { email = $"e-{Guid.NewGuid():N}@example.com" }, "a note", ["hello"]);
        var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = subject })).JsonAsync()).Str("id");
        var exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
        var done = await CompletedAsync(api, exportId);
        var url = (await (await api.PostAsync($"confide/exports/{exportId}/link", null)).JsonAsync()).Str("url");

        var cell = server.Cell(Region.Eu);
        Confide.Data.Model.Job expiry;
        await using (var db = cell.CreateReadContext())
        {
            expiry = await db.Jobs.AsNoTracking().SingleAsync(j => j.WorkspaceId == workspace.Id && j.Kind == SubjectExportExpiryJob.JobKind);
        }

        Assert.Equal(Confide.Data.Model.JobStates.Queued, expiry.State);
        Assert.InRange(expiry.NotBefore.ToUnixTimeSeconds() - done.GetProperty("expires_at").GetInt64(), -1, 1);
        // Run the deletion as the runner will when the time comes.
        var handler = server.Services.GetServices<IJobHandler>().Single(h => h.Kind == SubjectExportExpiryJob.JobKind);
        await handler.RunStepAsync(new JobContext { Cell = cell, JobId = expiry.Id, Kind = expiry.Kind, WorkspaceId = workspace.Id, Payload = expiry.Payload, Attempt = 1 }, CancellationToken.None);

        Assert.False(Directory.Exists(server.Services.GetRequiredService<SubjectExportFiles>().Directory(Region.Eu, exportId)));
        Assert.Equal("expired", (await (await api.GetAsync($"confide/exports/{exportId}")).JsonAsync()).Str("state"));
        await (await api.GetAsync(url.TrimStart('/'))).ErrorAsync(HttpStatusCode.Gone, "gone");
        await (await api.PostAsync($"confide/exports/{exportId}/link", null)).ErrorAsync(HttpStatusCode.Gone, "gone");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ErasingTheSubject_DeletesTheirExports_AtOnce(string provider)
    {
        // An archive is sealed under the workspace's key, not the contact's: erasure must remove it, not wait for its expiry.
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var subject = await CreateContactAsync(api, workspace.OwnerId, new { email = $"e-{Guid.NewGuid():N}@example.com" }, "a note", ["hello"]);
        var bystander = await CreateContactAsync(api, workspace.OwnerId, new { email = $"b-{Guid.NewGuid():N}@example.com" }, "a note", ["hello"]);
        async Task<string> ExportAsync(string contactId)
        {
            var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId })).JsonAsync()).Str("id");
            var exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
            await CompletedAsync(api, exportId);
            return exportId;
        }

        var erased = await ExportAsync(subject);
        var kept = await ExportAsync(bystander);
        var url = (await (await api.PostAsync($"confide/exports/{erased}/link", null)).JsonAsync()).Str("url");

        await (await api.DeleteAsync($"contacts/{subject}")).JsonAsync();

        var files = server.Services.GetRequiredService<SubjectExportFiles>();
        Assert.False(Directory.Exists(files.Directory(Region.Eu, erased)));
        Assert.True(File.Exists(files.ArchivePath(Region.Eu, kept)));
        Assert.Equal("expired", (await (await api.GetAsync($"confide/exports/{erased}")).JsonAsync()).Str("state"));
        await (await api.GetAsync(url.TrimStart('/'))).ErrorAsync(HttpStatusCode.Gone, "gone");
        await DownloadAsync(api, kept);
    }

    internal static async Task<string> CreateContactAsync(HttpClient api, string adminId, object contact, string note, IReadOnlyList<string> messages)
    {
        var contactId = (await (await api.PostJsonAsync("contacts", contact)).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/notes", new { body = note, admin_id = adminId })).JsonAsync();
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = messages[0] })).JsonAsync()).Str("conversation_id");
        for (var i = 1; i < messages.Count; i++)
        {
            object reply = i % 2 == 1
                ? new { message_type = "comment", type = "admin", admin_id = adminId, body = messages[i] }
                : new { message_type = "comment", type = "user", intercom_user_id = contactId, body = messages[i] };
            await (await api.PostJsonAsync($"conversations/{conversationId}/reply", reply)).JsonAsync();
        }

        return contactId;
    }

    internal static Task<JsonElement> CompletedAsync(HttpClient api, string exportId) =>
        Poll.UntilAsync(
            async () => await (await api.GetAsync($"confide/exports/{exportId}")).JsonAsync(),
            e => e.Str("state") is "completed" or "failed",
            Wait,
            "the export to finish").ContinueWith(t =>
            {
                Assert.Equal("completed", t.Result.Str("state"));
                return t.Result;
            }, TaskScheduler.Default);

    internal static async Task<(string Json, string Html)> DownloadAsync(HttpClient api, string exportId)
    {
        var url = (await (await api.PostAsync($"confide/exports/{exportId}/link", null)).JsonAsync()).Str("url");
        using var response = await api.GetAsync(url.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        Assert.Equal(["index.html", "subject.json"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        return (await ReadAsync(zip, "subject.json"), await ReadAsync(zip, "index.html"));
    }

    private static async Task<string> ReadAsync(ZipArchive zip, string entry)
    {
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
        return await reader.ReadToEndAsync();
    }

    private static JsonElement Only(JsonElement categories, string category, string entity) =>
        Assert.Single(categories.GetProperty(category).GetProperty(entity).EnumerateArray());
}
