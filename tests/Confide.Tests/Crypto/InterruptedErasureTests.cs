using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Crypto;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confide.Tests.Crypto;

/// <summary>
/// An erasure interrupted after the contact's key was destroyed (the process died before the
/// rows were deleted) finishes by itself: on the next start-up, or at the next sweep, the rows
/// go and the erasure is logged exactly once, however many sweeps and retries race for it.
/// </summary>
public sealed class InterruptedErasureTests(Servers servers)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ErasureInterruptedAfterKeyDestruction_IsCompletedOnStartUp_AndLoggedOnce(string provider)
    {
        await servers.GetAsync(provider); // skips or fails like every provider test when PostgreSQL is absent
        var data = Directory.CreateTempSubdirectory("confide-erasure-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        try
        {
            TestWorkspace workspace;
            string contactId, conversationId;
            await using (var server = await TestServer.StartAsync(provider, data, postgres))
            {
                workspace = await server.CreateWorkspaceAsync(Region.Eu);
                using var client = workspace.Client();
                (contactId, conversationId) = await ContactWithConversationAsync(client);
                await CrashAfterKeyDestructionAsync(server, workspace, contactId);

                // What the crash leaves: unreadable, but neither gone nor logged.
                await (await client.GetAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
                Assert.Empty(await ErasureEntriesAsync(client, contactId));
            }

            var logs = new CapturedLogs();
            await using (var restarted = await TestServer.StartAsync(provider, data, postgres, configure: b => b.Logging.AddProvider(logs)))
            {
                using var client = restarted.Client(Region.Eu, workspace.Token);
                await Poll.UntilAsync(
                    async () => (await client.GetAsync($"contacts/{contactId}")).StatusCode, status => status == HttpStatusCode.NotFound,
                    Generous, "the start-up sweep to delete the contact");
                await (await client.GetAsync($"conversations/{conversationId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

                // A second sweep and a retried DELETE find nothing more to do, and log nothing more.
                Assert.Equal(0, await restarted.Services.GetRequiredService<ContactErasureSweep>().RunOnceAsync(TimeSpan.Zero, CancellationToken.None));
                await (await client.DeleteAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

                var entry = Assert.Single(await ErasureEntriesAsync(client, contactId));
                Assert.Equal(workspace.OwnerId, entry.GetProperty("performed_by").Str("id"));
                Assert.Single(logs.Lines, l => l.Contains("interrupted erasure", StringComparison.Ordinal) && l.Contains(contactId, StringComparison.Ordinal));
            }
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

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SweepAndRetriedDelete_RacingForOneInterruptedErasure_LogItOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var sweep = server.Services.GetRequiredService<ContactErasureSweep>();
        var keyStore = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);

        for (var round = 0; round < 5; round++)
        {
            var (contactId, _) = await ContactWithConversationAsync(client);
            await CrashAfterKeyDestructionAsync(server, workspace, contactId);

            var swept = sweep.RunOnceAsync(TimeSpan.Zero, CancellationToken.None);
            using var retried = await client.DeleteAsync($"contacts/{contactId}");
            await swept;

            Assert.True(retried.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"retry answered {(int)retried.StatusCode}");
            await (await client.GetAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            Assert.Single(await ErasureEntriesAsync(client, contactId));
            Assert.Empty(await keyStore.GetAsync(workspace.Id, contactId, CancellationToken.None));
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ErasureInterruptedBeforeKeyDestruction_SweepDestroysTheKeyAndDeletesTheRows(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var (contactId, _) = await ContactWithConversationAsync(client);
        var actor = ActivityActor.Teammate(workspace.OwnerId, "api", null);
        await server.Services.GetRequiredService<ContactErasure>().RecordPendingAsync(server.Cell(Region.Eu), workspace.Id, contactId, actor, CancellationToken.None);

        Assert.True(await server.Services.GetRequiredService<ContactErasureSweep>().RunOnceAsync(TimeSpan.Zero, CancellationToken.None) >= 1);

        var keyStore = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
        Assert.Empty(await keyStore.GetAsync(workspace.Id, contactId, CancellationToken.None));
        await (await client.GetAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Single(await ErasureEntriesAsync(client, contactId));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ErasureAskedByATeammateRemovedSince_IsStillCompleted_AndDoesNotHoldBackTheOthers(string provider)
    {
        // The entry cannot name a teammate who is gone; Confide finishes it instead, and the
        // erasure queued behind it (by contact id) is not held back either way.
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var leaverId = (await (await client.PostJsonAsync("confide/teammates", new { email = $"leaver-{Guid.NewGuid():N}@example.com", role = "admin" })).JsonAsync()).Str("id");
        var erasure = server.Services.GetRequiredService<ContactErasure>();
        var contacts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var (contactId, _) = await ContactWithConversationAsync(client);
            await erasure.RecordPendingAsync(server.Cell(Region.Eu), workspace.Id, contactId, ActivityActor.Teammate(leaverId, "api", null), CancellationToken.None);
            contacts.Add(contactId);
        }

        await (await client.DeleteAsync($"confide/teammates/{leaverId}")).JsonAsync();
        await server.Services.GetRequiredService<ContactErasureSweep>().RunOnceAsync(TimeSpan.Zero, CancellationToken.None);

        foreach (var contactId in contacts)
        {
            await (await client.GetAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
            var entry = Assert.Single(await ErasureEntriesAsync(client, contactId));
            Assert.Equal("confide", entry.GetProperty("performed_by").Str("id"));
        }
    }

    /// <summary>
    /// The state a process leaves when it dies between the two halves of an erasure: the
    /// pending record committed and the key destroyed, the rows not yet deleted.
    /// </summary>
    private static async Task CrashAfterKeyDestructionAsync(TestServer server, TestWorkspace workspace, string contactId)
    {
        var actor = ActivityActor.Teammate(workspace.OwnerId, "api", "127.0.0.1");
        await server.Services.GetRequiredService<ContactErasure>().RecordPendingAsync(server.Cell(Region.Eu), workspace.Id, contactId, actor, CancellationToken.None);
        await server.Services.GetRequiredService<ContactKeyRing>().ShredAsync(Region.Eu, workspace.Id, contactId, CancellationToken.None);
    }

    private static async Task<(string ContactId, string ConversationId)> ContactWithConversationAsync(HttpClient client)
    {
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = $"erase-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");
        return (contactId, conversationId);
    }

    private static async Task<List<JsonElement>> ErasureEntriesAsync(HttpClient client, string contactId)
    {
        var list = await (await client.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync();
        return [.. list.GetProperty("activity_logs").EnumerateArray()
            .Where(e => e.Str("activity_type") == ActivityTypes.ContactDeletion && e.GetProperty("target").Str("id") == contactId)];
    }
}
