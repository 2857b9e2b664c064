using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Privacy;

/// <summary>
/// An erasure is acknowledged at once — the key destroyed, the contact and its conversations gone
/// from every query, its address free for a new contact — and a durable purge deletes the rows in
/// batches, runs every registered handler and stores the receipt, however often its steps are
/// repeated or its host stops; the erasure is logged once, when it is acknowledged.
/// </summary>
public sealed class ErasurePurgeTests(Servers servers)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    /// <summary>No job runs unless something wakes the runner: the test drives the purge's steps itself.</summary>
    private static readonly string[] RunnerAsleep = ["--Confide:Jobs:Lease=00:10:00", "--Confide:Jobs:PollInterval=00:09:00"];

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnAcknowledgedErasure_IsLoggedAndHidesTheSubjectAtOnce_AndThePurgeRunsEveryHandler(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"purge-{Guid.NewGuid():N}@example.com";
        var (contactId, conversationId) = await SeededContactAsync(api, workspace.OwnerId, email, replies: 3);

        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();

        // At once, before any purge step: logged, nothing of the subject answers, and the address is free.
        Assert.Single(await ErasureEntriesAsync(api, contactId));
        await (await api.GetAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"conversations/{conversationId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var search = await (await api.PostJsonAsync("contacts/search", new { query = new { field = "email", @operator = "=", value = email } })).JsonAsync();
        Assert.Equal(0, search.GetProperty("total_count").GetInt32());
        var conversations = (await (await api.GetAsync("conversations?per_page=150")).JsonAsync()).ToString();
        Assert.DoesNotContain(conversationId, conversations, StringComparison.Ordinal);
        var again = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        Assert.NotEqual(contactId, again);
        await (await api.DeleteAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        await api.WaitForPurgeAsync(contactId);
        Assert.Single(await ErasureEntriesAsync(api, contactId));
        await AssertNoRowsLeftAsync(server.Cell(Region.Eu), workspace.Id, contactId);

        // Every registered handler counted (and so ran) for the receipt.
        var requestId = (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id");
        var receipt = await (await api.GetAsync($"confide/privacy_requests/{requestId}/receipt")).JsonAsync();
        var categories = receipt.GetProperty("categories").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetInt64());
        Assert.All(server.Services.GetServices<ISubjectDataHandler>(), h => Assert.True(categories.ContainsKey(h.Category), $"{h.Category} did not run"));
        Assert.Equal(4, categories[ErasedCategories.ConversationParts]);
        Assert.Equal(1, categories[ErasedCategories.Conversations]);
        Assert.Equal(1, categories[ErasedCategories.Notes]);
        Assert.Equal(1, categories[ErasedCategories.Tags]);
        Assert.Equal(1, categories[ErasedCategories.ConversationTags]);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task PurgeStepsRepeatedAfterACrash_DeleteEverything_AndLogOnce(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        await using var server = await TestServer.StartAsync(provider, settings: RunnerAsleep);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, _) = await SeededContactAsync(api, workspace.OwnerId, $"steps-{Guid.NewGuid():N}@example.com", replies: 6);
        var cell = server.Cell(Region.Eu);

        // The acknowledgement's two steps, without waking the runner (a crash right after them).
        var erasure = server.Services.GetRequiredService<ContactErasure>();
        await erasure.RecordPendingAsync(cell, workspace.Id, contactId, ActivityActor.Teammate(workspace.OwnerId, "api", null), CancellationToken.None);
        await server.Services.GetRequiredService<ContactKeyRing>().ShredAsync(Region.Eu, workspace.Id, contactId, CancellationToken.None);
        Job queued;
        await using (var db = cell.CreateReadContext())
        {
            queued = await db.Jobs.SingleAsync(j => j.Kind == ContactErasureJob.JobKind && j.WorkspaceId == workspace.Id);
        }

        Assert.Equal(JobStates.Queued, queued.State);
        var job = new ContactErasureJob(
            server.Services.GetRequiredService<ContactKeyRing>(), server.Services.GetRequiredService<ILookupIndex>(), erasure,
            server.Services.GetServices<ISubjectDataHandler>(), Options.Create(new ContactErasureOptions { PurgeBatchSize = 2 }), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ContactErasureJob>.Instance);
        var context = new JobContext { Cell = cell, JobId = queued.Id, Kind = ContactErasureJob.JobKind, WorkspaceId = workspace.Id, Payload = queued.Payload, Attempt = 1 };

        var steps = 0;
        while (true)
        {
            var result = await job.RunStepAsync(context, CancellationToken.None);
            steps++;
            if (steps % 2 == 1)
            {
                // The process dies after the step's work but before its commit: the next runner repeats it.
                result = await job.RunStepAsync(context with { Attempt = context.Attempt + 1 }, CancellationToken.None);
            }

            Assert.Null(result.FailureCode);
            if (result.Write is { } write)
            {
                await cell.Writer.WriteAsync(write, CancellationToken.None);
                if (result.Finished)
                {
                    // Even a last step committed twice (it cannot be: it commits with its checkpoint) logs once.
                    await cell.Writer.WriteAsync(write, CancellationToken.None);
                }
            }

            if (result.Finished)
            {
                break;
            }

            context = context with { Checkpoint = result.Checkpoint, ProgressDone = result.ProgressDone, ProgressTotal = result.ProgressTotal };
            Assert.True(steps < 100, "The purge did not finish.");
        }

        Assert.True(steps > 5, $"{steps} steps: the batches were not bounded");
        await AssertNoRowsLeftAsync(cell, workspace.Id, contactId);
        Assert.Single(await ErasureEntriesAsync(api, contactId));
        await server.Services.GetRequiredService<JobQueue>().CancelAsync(cell, queued.Id);
    }

    /// <summary>The host stops in the middle of a purge (the runner hands the job back); the next host on the same data finishes it.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task APurgeStoppedWithItsHost_IsFinishedByTheNextHost(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        string[] settings = ["--Confide:Erasure:PurgeBatchSize=1"];
        var data = Directory.CreateTempSubdirectory("confide-purge-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        try
        {
            TestWorkspace workspace;
            string contactId;
            await using (var first = await TestServer.StartAsync(provider, data, postgres, settings: settings))
            {
                workspace = await first.CreateWorkspaceAsync(Region.Eu);
                using var api = workspace.Client();
                (contactId, _) = await SeededContactAsync(api, workspace.OwnerId, $"stop-{Guid.NewGuid():N}@example.com", replies: 150);
                await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();
                var midway = await Poll.UntilAsync(
                    () => PurgeAsync(first.Cell(Region.Eu), workspace.Id),
                    j => j.ProgressDone >= 3 || j.State == JobStates.Completed, Generous, "the purge to be under way");
                Assert.NotEqual(JobStates.Completed, midway.State);
            }

            await using var next = await TestServer.StartAsync(provider, data, postgres, settings: settings);
            using var client = next.Client(Region.Eu, workspace.Token);
            await client.WaitForPurgeAsync(contactId);
            var done = await PurgeAsync(next.Cell(Region.Eu), workspace.Id);
            Assert.Equal(JobStates.Completed, done.State);
            Assert.Single(await ErasureEntriesAsync(client, contactId));
            await AssertNoRowsLeftAsync(next.Cell(Region.Eu), workspace.Id, contactId);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }
        }
    }

    /// <summary>A contact with a custom attribute, a tag, a note and a conversation (with the same tag) with <paramref name="replies"/> replies.</summary>
    internal static async Task<(string ContactId, string ConversationId)> SeededContactAsync(HttpClient api, string ownerId, string email, int replies)
    {
        var contactId = (await (await api.PostJsonAsync("contacts", new { email, name = "Purge Subject", custom_attributes = new { plan = "pro" } })).JsonAsync()).Str("id");
        var tagId = (await (await api.PostJsonAsync("tags", new { name = $"tag-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
        await (await api.PostJsonAsync($"contacts/{contactId}/notes", new { body = "A note", admin_id = ownerId })).JsonAsync();
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");
        await (await api.PostJsonAsync($"conversations/{conversationId}/tags", new { id = tagId, admin_id = ownerId })).JsonAsync();
        for (var i = 0; i < replies; i++)
        {
            await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = ownerId, message_type = "comment", body = $"Reply {i}" })).JsonAsync();
        }

        return (contactId, conversationId);
    }

    internal static async Task AssertNoRowsLeftAsync(CellDatabase cell, string workspaceId, string contactId)
    {
        await using var db = cell.CreateReadContext();
        Assert.False(await db.Contacts.IgnoreQueryFilters().AnyAsync(c => c.Id == contactId));
        var conversations = db.Conversations.IgnoreQueryFilters().Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId).Select(c => c.Id);
        Assert.False(await conversations.AnyAsync());
        Assert.False(await db.ConversationParts.AnyAsync(p => conversations.Contains(p.ConversationId)));
        Assert.False(await db.Notes.AnyAsync(n => n.ContactId == contactId));
        Assert.False(await db.ContactTags.AnyAsync(t => t.ContactId == contactId));
        Assert.False(await db.ConversationTags.AnyAsync(t => t.WorkspaceId == workspaceId));
        Assert.False(await db.PendingContactErasures.AnyAsync(p => p.ContactId == contactId));
    }

    internal static async Task<List<JsonElement>> ErasureEntriesAsync(HttpClient api, string contactId)
    {
        var list = await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync();
        return [.. list.GetProperty("activity_logs").EnumerateArray()
            .Where(e => e.Str("activity_type") == ActivityTypes.ContactDeletion && e.GetProperty("target").Str("id") == contactId)];
    }

    private static async Task<Job> PurgeAsync(CellDatabase cell, string workspaceId)
    {
        await using var db = cell.CreateReadContext();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Kind == ContactErasureJob.JobKind && j.WorkspaceId == workspaceId);
    }
}
