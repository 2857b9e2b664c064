using System.IO.Compression;
using System.Text.Json;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Exports;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Privacy;

/// <summary>
/// The export job's steps are idempotent: a step repeated from the previous checkpoint (what a
/// runner does after a crash, a kill or a lease takeover) and a half-written file left behind
/// give an archive with every part exactly once.
/// </summary>
public sealed class SubjectExportResumeTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnExportInterruptedMidway_Resumes_AndTheArchiveIsCompleteWithoutDuplicates(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        string[] messages = [.. Enumerable.Range(1, 9).Select(i => $"message {i}")];
        var contactId = await SubjectExportApiTests.CreateContactAsync(api, workspace.OwnerId, new { email = $"r-{Guid.NewGuid():N}@example.com" }, "note", messages[..5]);
        // A second conversation: the keyset cursor crosses from one to the next mid-step.
        var second = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = messages[5] })).JsonAsync()).Str("conversation_id");
        foreach (var message in messages[6..])
        {
            await (await api.PostJsonAsync($"conversations/{second}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = message })).JsonAsync();
        }

        var cell = server.Cell(Region.Eu);
        var files = server.Services.GetRequiredService<SubjectExportFiles>();
        var job = new SubjectExportJob(
            server.Services.GetRequiredService<SubjectExportReader>(), files, server.Services.GetRequiredService<JobQueue>(),
            Options.Create(new SubjectExportOptions { PartsPerStep = 2 }), TimeProvider.System);
        var exportId = PublicIds.NewEntityId(TimeProvider.System);
        var context = new JobContext
        {
            Cell = cell, JobId = exportId, Kind = SubjectExportJob.JobKind, WorkspaceId = workspace.Id, Attempt = 1,
            Payload = $$"""{"request":"{{PublicIds.NewEntityId(TimeProvider.System)}}","contact":"{{contactId}}"}""",
        };

        var steps = 0;
        while (true)
        {
            var result = await job.RunStepAsync(context, CancellationToken.None);
            Assert.Null(result.FailureCode);
            steps++;
            if (steps is 1 or 3)
            {
                // The process dies after the step's work but before its commit: the next runner repeats it.
                Directory.CreateDirectory(files.Directory(Region.Eu, exportId));
                await File.WriteAllTextAsync(Path.Combine(files.Directory(Region.Eu, exportId), "segment-000002.json.sealed.tmp"), "half-written");
                result = await job.RunStepAsync(context with { Attempt = context.Attempt + 1 }, CancellationToken.None);
            }

            if (result.Finished)
            {
                Assert.Equal(messages.Length, result.ProgressDone);
                break;
            }

            context = context with { Checkpoint = result.Checkpoint, ProgressDone = result.ProgressDone, ProgressTotal = result.ProgressTotal };
            Assert.True(steps < 50, "The export did not finish.");
        }

        // A repeat of the last step (its completion was not recorded) changes nothing.
        Assert.True((await job.RunStepAsync(context, CancellationToken.None)).Finished);

        var key = await files.KeyAsync(cell, workspace.Id, exportId, create: false, CancellationToken.None);
        using var archive = new MemoryStream();
        using (var opened = new OpeningStream(File.OpenRead(files.ArchivePath(Region.Eu, exportId)), exportId, key))
        {
            await opened.CopyToAsync(archive);
        }

        archive.Position = 0;
        using var zip = new ZipArchive(archive, ZipArchiveMode.Read);
        using var document = await JsonDocument.ParseAsync(zip.GetEntry("subject.json")!.Open());
        var parts = document.RootElement.GetProperty("categories").GetProperty(DataCategories.UserMessage).GetProperty("conversation_part").EnumerateArray().ToList();
        Assert.Equal(messages, parts.Select(p => p.Str("body")));
        Assert.Equal(messages.Length, parts.Select(p => p.Str("id")).Distinct().Count());
        using var html = new StreamReader(zip.GetEntry("index.html")!.Open());
        var page = await html.ReadToEndAsync();
        Assert.All(messages, m => Assert.Equal(1, CountOf(page, $"<pre>{m}</pre>")));
        Assert.True(files.Delete(Region.Eu, exportId));
    }

    /// <summary>The host stops in the middle of an export (the runner hands the job back); a new host on the same data resumes it to one complete archive.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnExportStoppedWithItsHost_ResumesInTheNextHost_WithEveryPartOnce(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        string[] settings = ["--Confide:Privacy:Export:PartsPerStep=1"];
        var dataDirectory = Directory.CreateTempSubdirectory("confide-export-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        var first = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres, settings: settings);
        string[] messages = [.. Enumerable.Range(1, 60).Select(i => $"message {i}")];
        string exportId;
        TestWorkspace workspace;
        try
        {
            workspace = await first.CreateWorkspaceAsync(Region.Eu);
            using var api = workspace.Client();
            var contactId = await SubjectExportApiTests.CreateContactAsync(api, workspace.OwnerId, new { email = $"h-{Guid.NewGuid():N}@example.com" }, "note", messages);
            var request = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId })).JsonAsync()).Str("id");
            exportId = (await (await api.PostAsync($"confide/privacy_requests/{request}/export", null)).JsonAsync()).Str("id");
            var midway = await Poll.UntilAsync(
                async () => await (await api.GetAsync($"confide/exports/{exportId}")).JsonAsync(),
                e => e.GetProperty("progress_done").GetInt64() >= 3 || e.Str("state") == "completed",
                TimeSpan.FromSeconds(60), "the export to be under way");
            Assert.NotEqual("completed", midway.Str("state"));
        }
        finally
        {
            await first.DisposeAsync(); // a graceful stop: the runner hands the job back at once
        }

        try
        {
            await using var second = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres, settings: settings);
            using var api = second.Client(Region.Eu, workspace.Token);
            var done = await SubjectExportApiTests.CompletedAsync(api, exportId);
            Assert.Equal(messages.Length, done.GetProperty("progress_done").GetInt64());
            var (json, _) = await SubjectExportApiTests.DownloadAsync(api, exportId);
            using var document = JsonDocument.Parse(json);
            var parts = document.RootElement.GetProperty("categories").GetProperty(DataCategories.UserMessage).GetProperty("conversation_part").EnumerateArray().ToList();
            Assert.Equal(messages, parts.Select(p => p.Str("body")));
        }
        finally
        {
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
