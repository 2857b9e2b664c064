using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Conversations;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Api;

/// <summary>
/// Snoozing a conversation (<c>POST /conversations/{id}/parts</c>, <c>message_type: snoozed</c>):
/// the state and time in Intercom's shapes, search on both, a durable job that reopens it when the
/// snooze ends, and no reopening by a snooze that was ended or replaced in the meantime.
/// </summary>
public sealed class ConversationSnoozeTests(Servers servers)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Snooze_IsShownAndSearchable_ThenReopensByItself_OnceAndLogged(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ConversationSearchTests.ContactAsync(client, "snoozer");
        var conversation = await ConversationSearchTests.ConversationAsync(client, contact);
        var other = await ConversationSearchTests.ConversationAsync(client, contact);
        var until = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 10;

        var snoozed = await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = until })).JsonAsync();
        Assert.Equal(("snoozed", false, until), (snoozed.Str("state"), snoozed.GetProperty("open").GetBoolean(), snoozed.GetProperty("snoozed_until").GetInt64()));
        var part = snoozed.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().Last();
        Assert.Equal(("snoozed", "admin", workspace.OwnerId), (part.Str("part_type"), part.GetProperty("author").Str("type"), part.GetProperty("author").Str("id")));
        Assert.Equal(JsonValueKind.Null, (await (await client.GetAsync($"conversations/{other}")).JsonAsync()).GetProperty("snoozed_until").ValueKind);

        // The job that reopens it is a row of the durable queue, due at the snooze's end: it survives a restart.
        var job = await workspace.ReadAsync(db => db.Jobs.SingleAsync(j => j.WorkspaceId == workspace.Id && j.Kind == "conversations.unsnooze"));
        Assert.Equal((DateTimeOffset.FromUnixTimeSeconds(until), JobStates.Queued), (job.NotBefore, job.State));
        Assert.DoesNotContain(contact, job.Payload!, StringComparison.Ordinal);

        async Task<List<string>> Search(object query) =>
            [.. (await (await client.PostJsonAsync("conversations/search", new { query })).JsonAsync()).GetProperty("conversations").EnumerateArray().Select(c => c.Str("id"))];
        Assert.Equal([conversation], await Search(new { field = "state", @operator = "=", value = "snoozed" }));
        Assert.Equal([conversation], await Search(new { field = "snoozed_until", @operator = "=", value = until }));
        Assert.Equal([conversation], await Search(new { field = "snoozed_until", @operator = ">", value = until - 60 }));
        Assert.Equal([other], await Search(new { field = "snoozed_until", @operator = "=", value = (string?)null }));
        Assert.Equal([conversation], await Search(new { field = "snoozed_until", @operator = "!=", value = (string?)null }));
        Assert.Equal([other], await Search(new { field = "open", @operator = "=", value = true }));

        var reopened = await Poll.UntilAsync(
            async () => await (await client.GetAsync($"conversations/{conversation}")).JsonAsync(),
            c => c.Str("state") == "open", Patience, "the snoozed conversation to reopen");
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("snoozed_until").ValueKind);
        var timer = Assert.Single(reopened.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray(), p => p.Str("part_type") == "timer_unsnooze");
        Assert.Equal(("bot", "confide"), (timer.GetProperty("author").Str("type"), timer.GetProperty("author").Str("id")));
        await Poll.UntilAsync(() => workspace.ReadAsync(db => db.Jobs.Where(j => j.Id == job.Id).Select(j => j.State).SingleAsync()), s => s == JobStates.Completed, Patience, "the job to complete");

        var entries = await ActivityLogTests.AllEntriesAsync(client);
        var snooze = Assert.Single(entries, e => e.Str("activity_type") == ActivityTypes.ConversationPartCreation && e.GetProperty("metadata").Str("part_type") == "snoozed");
        Assert.Equal(until, snooze.GetProperty("metadata").GetProperty("snoozed_until").GetInt64());
        var ended = Assert.Single(entries, e => e.Str("activity_type") == ActivityTypes.ConversationSnoozeEnded);
        Assert.Equal((conversation, contact, timer.Str("id")), (ended.GetProperty("target").Str("id"), ended.GetProperty("metadata").Str("contact_id"), ended.GetProperty("metadata").Str("part_id")));
        Assert.Equal(("system", "confide"), (ended.GetProperty("performed_by").Str("type"), ended.GetProperty("performed_by").Str("id")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ASnoozeEndedEarly_OrReplaced_IsNotReopenedByItsOldJob(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = await ConversationSearchTests.ContactAsync(client, "resnoozer");
        var conversation = await ConversationSearchTests.ConversationAsync(client, contact);
        var answered = await ConversationSearchTests.ConversationAsync(client, contact);
        var soon = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 8;
        var later = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600;

        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = soon })).JsonAsync();
        var opened = await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "open", admin_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal(("open", JsonValueKind.Null), (opened.Str("state"), opened.GetProperty("snoozed_until").ValueKind));
        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = later })).JsonAsync();

        // A contact's reply ends a snooze too, as in Intercom.
        await (await client.PostJsonAsync($"conversations/{answered}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = soon })).JsonAsync();
        var replied = await (await client.PostJsonAsync($"conversations/{answered}/reply", new { type = "user", intercom_user_id = contact, body = "Still there?" })).JsonAsync();
        Assert.Equal(("open", JsonValueKind.Null), (replied.Str("state"), replied.GetProperty("snoozed_until").ValueKind));

        // Both early jobs ran and found nothing to do.
        await Poll.UntilAsync(
            () => workspace.ReadAsync(db => db.Jobs.CountAsync(j => j.WorkspaceId == workspace.Id && j.Kind == "conversations.unsnooze" && j.State == JobStates.Completed)),
            n => n == 2, Patience, "the early snooze jobs to complete");
        var still = await (await client.GetAsync($"conversations/{conversation}")).JsonAsync();
        Assert.Equal(("snoozed", later), (still.Str("state"), still.GetProperty("snoozed_until").GetInt64()));
        Assert.DoesNotContain(still.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray(), p => p.Str("part_type") == "timer_unsnooze");
        Assert.Equal(1, await workspace.ReadAsync(db => db.Jobs.CountAsync(j => j.WorkspaceId == workspace.Id && j.Kind == "conversations.unsnooze" && j.State == JobStates.Queued)));
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(client), e => e.Str("activity_type") == ActivityTypes.ConversationSnoozeEnded);

        // Closing a snoozed conversation ends its snooze.
        var closed = await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
        Assert.Equal(("closed", JsonValueKind.Null), (closed.Str("state"), closed.GetProperty("snoozed_until").ValueKind));
    }

    /// <summary>
    /// The step's write is conditional inside the cell's single writer: run twice at once (a lease
    /// taken over from a slow runner, two processes), it reopens the conversation once.
    /// </summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheUnsnoozeStep_RunTwiceAtOnce_ReopensOnce(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var conversation = await ConversationSearchTests.ConversationAsync(client, await ConversationSearchTests.ContactAsync(client, "twice"));
        // Far ahead, so the runner leaves it: this test runs the step itself.
        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600 })).JsonAsync();
        var job = await workspace.ReadAsync(db => db.Jobs.SingleAsync(j => j.WorkspaceId == workspace.Id && j.Kind == ConversationUnsnoozeJob.JobKind));

        var handler = ActivatorUtilities.CreateInstance<ConversationUnsnoozeJob>(server.Services);
        var context = new JobContext { Cell = server.Cell(Region.Eu), JobId = job.Id, Kind = job.Kind, WorkspaceId = workspace.Id, Payload = job.Payload, Attempt = 1 };
        var results = await Task.WhenAll(handler.RunStepAsync(context, CancellationToken.None), handler.RunStepAsync(context with { Attempt = 2 }, CancellationToken.None));
        Assert.All(results, r => Assert.True(r.Finished));
        Assert.True((await handler.RunStepAsync(context with { Attempt = 3 }, CancellationToken.None)).Finished);

        var reopened = await (await client.GetAsync($"conversations/{conversation}")).JsonAsync();
        Assert.Equal("open", reopened.Str("state"));
        Assert.Single(reopened.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray(), p => p.Str("part_type") == "timer_unsnooze");
        Assert.Single(await ActivityLogTests.AllEntriesAsync(client), e => e.Str("activity_type") == ActivityTypes.ConversationSnoozeEnded);
    }

    /// <summary>The job is durable: snoozed under one host, the conversation reopens under the next one started on the same data.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ASnoozeOutlivesItsHost_AndTheNextHostReopensTheConversation(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        var dataDirectory = Directory.CreateTempSubdirectory("confide-snooze-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        TestWorkspace workspace;
        string conversation;
        var first = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres);
        try
        {
            workspace = await first.CreateWorkspaceAsync(Region.Eu);
            using var client = workspace.Client();
            conversation = await ConversationSearchTests.ConversationAsync(client, await ConversationSearchTests.ContactAsync(client, "restart"));
            var until = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 12;
            await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = until })).JsonAsync();
        }
        finally
        {
            await first.DisposeAsync();
        }

        try
        {
            await using var second = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres);
            using var client = second.Client(Region.Eu, workspace.Token);
            var reopened = await Poll.UntilAsync(
                async () => await (await client.GetAsync($"conversations/{conversation}")).JsonAsync(),
                c => c.Str("state") == "open", Patience, "the snoozed conversation to reopen under the second host");
            Assert.Single(reopened.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray(), p => p.Str("part_type") == "timer_unsnooze");
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

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Snooze_WithoutAFutureTime_IsRefusedWithIntercomErrors(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var conversation = await ConversationSearchTests.ConversationAsync(client, await ConversationSearchTests.ContactAsync(client, "refused-snooze"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = now - 10 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = UnixSeconds.Max + 1 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync($"conversations/{conversation}/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = "soon" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await client.PostJsonAsync($"conversations/0123456789abcdef01234567/parts", new { message_type = "snoozed", admin_id = workspace.OwnerId, snoozed_until = now + 600 })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(0, await workspace.ReadAsync(db => db.Jobs.CountAsync(j => j.WorkspaceId == workspace.Id && j.Kind == "conversations.unsnooze")));
        Assert.Equal("open", (await (await client.GetAsync($"conversations/{conversation}")).JsonAsync()).Str("state"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RunAssignmentRules_IsADocumented422_AndA404ForAnUnknownConversation(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var conversation = await ConversationSearchTests.ConversationAsync(client, await ConversationSearchTests.ContactAsync(client, "rules"));

        var refused = await (await client.PostAsync($"conversations/{conversation}/run_assignment_rules", null)).ErrorAsync(HttpStatusCode.UnprocessableEntity, "assignment_rules_not_supported");
        Assert.Contains("docs/api.md", refused.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        await (await client.PostAsync("conversations/0123456789abcdef01234567/run_assignment_rules", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }
}
