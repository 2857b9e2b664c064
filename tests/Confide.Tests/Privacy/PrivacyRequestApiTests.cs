using System.Net;
using System.Text;
using System.Text.Json;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Privacy;

/// <summary>/confide/privacy_requests: recording, finding the subject through the blind indexes, deadlines, the state machine and its log.</summary>
public sealed class PrivacyRequestApiTests(Servers servers)
{
    private const long Day = 86_400;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ARequest_FindsTheSubjectByEmail_RunsToCompletion_AndLogsEveryStep_WithoutTheEmail(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"subject-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email, role = "lead" })).JsonAsync()).Str("id");

        var created = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email = "  " + email.ToUpperInvariant() })).JsonAsync();
        var id = created.Str("id");
        Assert.Equal("privacy_request", created.Str("type"));
        Assert.Equal(("erasure", "received", "email"), (created.Str("kind"), created.Str("state"), created.Str("received_via")));
        Assert.True(created.GetProperty("subject_found").GetBoolean());
        Assert.Equal(contactId, created.Str("contact_id"));
        Assert.Equal("email", created.Str("subject_identifier_type"));
        Assert.Equal(email.ToUpperInvariant(), created.Str("subject_identifier"));
        Assert.Equal(workspace.OwnerId, created.Str("created_by_id"));
        var receivedAt = created.GetProperty("received_at").GetInt64();
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - receivedAt, 0, 60);
        Assert.Equal(LegalDeadlineOf(receivedAt), created.GetProperty("due_at").GetInt64());
        Assert.False(created.GetProperty("extended").GetBoolean());

        Assert.Equal(id, (await (await api.GetAsync($"confide/privacy_requests/{id}")).JsonAsync()).Str("id"));
        Assert.Equal("verifying", (await (await api.PostAsync($"confide/privacy_requests/{id}/verify", null)).JsonAsync()).Str("state"));
        Assert.Equal("in_progress", (await (await api.PostAsync($"confide/privacy_requests/{id}/start", null)).JsonAsync()).Str("state"));
        var completed = await (await api.PostAsync($"confide/privacy_requests/{id}/complete", null)).JsonAsync();
        Assert.Equal("completed", completed.Str("state"));
        Assert.NotEqual(JsonValueKind.Null, completed.GetProperty("closed_at").ValueKind);
        // A completed erasure keeps only the keyed hash of the identifier, not the identifier.
        Assert.Equal(JsonValueKind.Null, completed.GetProperty("subject_identifier").ValueKind);

        var conflict = await (await api.PostAsync($"confide/privacy_requests/{id}/verify", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Contains("completed is final", conflict.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);

        var entries = (await ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type").StartsWith("privacy_request", StringComparison.Ordinal)).ToList();
        Assert.Equal(["privacy_request_creation", "privacy_request_state_change", "privacy_request_state_change", "privacy_request_state_change"], entries.Select(e => e.Str("activity_type")));
        Assert.All(entries, e => Assert.Equal(("privacy_request", id), (e.GetProperty("target").Str("type"), e.GetProperty("target").Str("id"))));
        Assert.Equal(["verifying", "in_progress", "completed"], entries.Skip(1).Select(e => e.GetProperty("metadata").Str("after")));
        Assert.All(entries, e => Assert.DoesNotContain(email, e.GetRawText(), StringComparison.OrdinalIgnoreCase));

        // In the database: the keyed hash and sealed bytes, never the identifier.
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var row = await db.PrivacyRequests.AsNoTracking().SingleAsync(r => r.Id == id);
        Assert.StartsWith("h1:", row.SubjectLookup, StringComparison.Ordinal);
        Assert.Null(row.EncryptedSubjectEmail);
        Assert.Equal(contactId, row.ContactId);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SubjectsAreFound_ByExternalIdPhoneOrContactId_IncludingVisitorLeads_AndTheIdentifierIsSealed(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var externalId = "ext-" + Guid.NewGuid().ToString("N");
        var user = (await (await api.PostJsonAsync("contacts", new { external_id = externalId, phone = "+44 20 7946 0958" })).JsonAsync()).Str("id");
        var lead = (await (await api.PostJsonAsync("contacts", new { role = "lead" })).JsonAsync()).Str("id");

        var byExternalId = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "api", external_id = externalId })).JsonAsync();
        Assert.Equal(user, byExternalId.Str("contact_id"));
        Assert.Equal(externalId, byExternalId.Str("subject_identifier"));
        var byPhone = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "rectification", received_via = "phone", phone = "+442079460958" })).JsonAsync();
        Assert.Equal(user, byPhone.Str("contact_id"));
        var byContact = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "objection", received_via = "web_form", contact_id = lead })).JsonAsync();
        Assert.Equal(lead, byContact.Str("contact_id"));
        Assert.Equal("contact_id", byContact.Str("subject_identifier_type"));

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var row = await db.PrivacyRequests.AsNoTracking().SingleAsync(r => r.Id == byExternalId.Str("id"));
        Assert.NotNull(row.EncryptedSubjectExternalId);
        Assert.True(row.EncryptedSubjectExternalId.AsSpan().IndexOf(Encoding.UTF8.GetBytes(externalId)) < 0);
    }

    /// <summary>The record is the proof the request was answered: erasing its contact (the erasure path's seam) leaves it readable.</summary>
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ARequest_OutlivesTheErasureOfItsContact(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var email = $"erase-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email })).JsonAsync()).Str("id");
        var id = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");
        await (await api.PostAsync($"confide/privacy_requests/{id}/verify", null)).JsonAsync();
        await (await api.PostAsync($"confide/privacy_requests/{id}/start", null)).JsonAsync();

        // The erasure completes its request (with the receipt); there is nothing left to complete by hand.
        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();
        await api.WaitForPurgeAsync(contactId);
        var completed = await (await api.GetAsync($"confide/privacy_requests/{id}")).JsonAsync();
        Assert.Equal(("completed", contactId), (completed.Str("state"), completed.Str("contact_id")));
        await (await api.PostAsync($"confide/privacy_requests/{id}/complete", null)).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var listed = Assert.Single((await (await api.GetAsync("confide/privacy_requests?state=completed")).JsonAsync()).GetProperty("data").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("subject_identifier").ValueKind);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnUnknownSubject_Is404_UnlessAskedToRecordIt_AndAnotherWorkspacesContactIs404(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var email = $"nobody-{Guid.NewGuid():N}@example.com";
        var theirEmail = $"theirs-{Guid.NewGuid():N}@example.com";
        var theirs = (await (await otherApi.PostJsonAsync("contacts", new { email = theirEmail })).JsonAsync()).Str("id");

        var missing = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var message = missing.GetProperty("errors")[0].Str("message");
        Assert.Contains("No contact matches that email", message, StringComparison.Ordinal);
        Assert.DoesNotContain(email, missing.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, (await (await api.GetAsync("confide/privacy_requests")).JsonAsync()).GetProperty("total_count").GetInt32());

        var recorded = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email, record_if_unmatched = true })).JsonAsync();
        Assert.False(recorded.GetProperty("subject_found").GetBoolean());
        Assert.Equal(JsonValueKind.Null, recorded.GetProperty("contact_id").ValueKind);
        Assert.Equal(email, recorded.Str("subject_identifier"));

        // Another workspace's contact and its email are unknown here; its requests too.
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = theirs })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email = theirEmail })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var theirRequest = (await (await otherApi.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = theirs })).JsonAsync()).Str("id");
        await (await api.GetAsync($"confide/privacy_requests/{theirRequest}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostAsync($"confide/privacy_requests/{theirRequest}/verify", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync($"confide/privacy_requests/{theirRequest}/extend", new { reason = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("received", (await (await otherApi.GetAsync($"confide/privacy_requests/{theirRequest}")).JsonAsync()).Str("state"));
        await (await api.GetAsync("confide/privacy_requests/not-an-id")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostAsync("confide/privacy_requests/0123456789ABCDEF01234567/start", null)).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MalformedBodies_Are400_WithTheIntercomErrorBody(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"m-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await (await api.PostJsonAsync("confide/privacy_requests", new { received_via = "email", contact_id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "deletion", received_via = "email", contact_id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "fax", contact_id = contactId })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId, phone = "123" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", email = "not an address" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var future = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId, received_at = now + 3600 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Contains("received_at cannot be in the future", future.GetRawText(), StringComparison.Ordinal);
        await (await api.PostRawAsync("confide/privacy_requests", "{\"kind\": ")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostRawAsync("confide/privacy_requests", "{\"kind\": 5, \"received_via\": \"email\"}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("confide/privacy_requests?due=someday")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("confide/privacy_requests?state=lost")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync("confide/privacy_requests?starting_after=!!")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var id = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"confide/privacy_requests/{id}/refuse", new { })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync($"confide/privacy_requests/{id}/extend", new { reason = "  " })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostRawAsync($"confide/privacy_requests/{id}/extend", "[1,2")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Equal("received", (await (await api.GetAsync($"confide/privacy_requests/{id}")).JsonAsync()).Str("state"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheList_FiltersByStateAndDeadline_CountsOverdueAndDueSoon_AndPagesByDeadline(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"l-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        async Task<string> RecordAsync(long daysAgo) => (await (await api.PostJsonAsync("confide/privacy_requests",
            new { kind = "access", received_via = "email", contact_id = contactId, received_at = now - (daysAgo * Day) })).JsonAsync()).Str("id");

        var overdue = await RecordAsync(40);
        var dueSoon = await RecordAsync(26);
        var fresh = await RecordAsync(0);
        var closedOverdue = await RecordAsync(45);
        await (await api.PostJsonAsync($"confide/privacy_requests/{closedOverdue}/refuse", new { reason = "Manifestly unfounded (Art. 12(5))" })).JsonAsync();

        var all = await (await api.GetAsync("confide/privacy_requests")).JsonAsync();
        Assert.Equal("list", all.Str("type"));
        Assert.Equal(4, all.GetProperty("total_count").GetInt32());
        Assert.Equal((1, 1), (all.GetProperty("overdue_count").GetInt32(), all.GetProperty("due_soon_count").GetInt32()));
        Assert.Equal([closedOverdue, overdue, dueSoon, fresh], Ids(all));
        var refused = all.GetProperty("data")[0];
        Assert.Equal(("refused", "Manifestly unfounded (Art. 12(5))"), (refused.Str("state"), refused.Str("state_reason")));
        Assert.False(refused.GetProperty("overdue").GetBoolean());
        Assert.True(all.GetProperty("data")[1].GetProperty("overdue").GetBoolean());
        Assert.True(all.GetProperty("data")[2].GetProperty("due_soon").GetBoolean());

        Assert.Equal([overdue], Ids(await (await api.GetAsync("confide/privacy_requests?due=overdue")).JsonAsync()));
        Assert.Equal([dueSoon], Ids(await (await api.GetAsync("confide/privacy_requests?due=due_soon")).JsonAsync()));
        Assert.Equal([closedOverdue], Ids(await (await api.GetAsync("confide/privacy_requests?state=refused")).JsonAsync()));
        Assert.Equal([overdue, dueSoon, fresh], Ids(await (await api.GetAsync("confide/privacy_requests?state=received&due=all")).JsonAsync()));

        var first = await (await api.GetAsync("confide/privacy_requests?per_page=3")).JsonAsync();
        Assert.Equal([closedOverdue, overdue, dueSoon], Ids(first));
        Assert.Equal(2, first.GetProperty("pages").GetProperty("total_pages").GetInt32());
        var cursor = first.GetProperty("pages").GetProperty("next").Str("starting_after");
        var second = await (await api.GetAsync($"confide/privacy_requests?per_page=3&starting_after={cursor}")).JsonAsync();
        Assert.Equal([fresh], Ids(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("pages").GetProperty("next").ValueKind);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheDeadline_ExtendsOnceByTwoMonths_WithAReason_AndNotOnceItHasPassed(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = $"x-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var created = await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId, received_at = now - (2 * Day) })).JsonAsync();
        var id = created.Str("id");
        var due = created.GetProperty("due_at").GetInt64();

        var extended = await (await api.PostJsonAsync($"confide/privacy_requests/{id}/extend", new { reason = "Many requests at once" })).JsonAsync();
        Assert.True(extended.GetProperty("extended").GetBoolean());
        Assert.Equal(due, extended.GetProperty("original_due_at").GetInt64());
        var expected = DateTimeOffset.FromUnixTimeSeconds(due).UtcDateTime.AddMonths(2);
        Assert.Equal(new DateTimeOffset(expected).ToUnixTimeSeconds(), extended.GetProperty("due_at").GetInt64());
        Assert.Equal("Many requests at once", extended.Str("extension_reason"));
        var again = await (await api.PostJsonAsync($"confide/privacy_requests/{id}/extend", new { reason = "Still busy" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        Assert.Contains("only once", again.GetRawText(), StringComparison.Ordinal);

        var late = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "email", contact_id = contactId, received_at = now - (40 * Day) })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"confide/privacy_requests/{late}/extend", new { reason = "Too late" })).ErrorAsync(HttpStatusCode.Conflict, "conflict");

        var entry = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "privacy_request_deadline_extension");
        Assert.Equal(id, entry.GetProperty("target").Str("id"));
        Assert.Equal(extended.GetProperty("due_at").GetInt64(), entry.GetProperty("metadata").GetProperty("after").GetInt64());
        Assert.DoesNotContain("Many requests", entry.GetRawText(), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WithoutAToken_401_AndWithoutThePermission_403(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var anonymous = server.Client(Region.Eu);
        await (await anonymous.GetAsync("confide/privacy_requests")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await anonymous.PostJsonAsync("confide/privacy_requests", new { kind = "access" })).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var agent = (await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync()).Str("id");
        using var agentApi = server.Client(Region.Eu, await MintAsync(server, workspace, agent, "agent"));
        Assert.Equal(HttpStatusCode.Forbidden, (await agentApi.GetAsync("confide/privacy_requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agentApi.PostJsonAsync("confide/privacy_requests", new { kind = "access" })).StatusCode);

        var officer = (await (await api.PostJsonAsync("confide/teammates", new { email = $"dpo-{Guid.NewGuid():N}@example.com", role = "privacy_officer" })).JsonAsync()).Str("id");
        using var officerApi = server.Client(Region.Eu, await MintAsync(server, workspace, officer, "privacy_officer"));
        var created = await (await officerApi.PostJsonAsync("confide/privacy_requests", new { kind = "access", received_via = "in_person", email = "walk-in@example.com", record_if_unmatched = true })).JsonAsync();
        Assert.Equal(officer, created.Str("created_by_id"));
    }

    private static string[] Ids(JsonElement list) => [.. list.GetProperty("data").EnumerateArray().Select(r => r.Str("id"))];

    /// <summary>The same rule written another way: the month's day, clamped to the next month's length.</summary>
    private static long LegalDeadlineOf(long receivedAt) =>
        new DateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(receivedAt).UtcDateTime.AddMonths(1)).ToUnixTimeSeconds();

    private static async Task<string> MintAsync(TestServer server, TestWorkspace workspace, string teammateId, string role)
    {
        // An invited teammate's tokens work once they have joined.
        await workspace.EnsureJoinedAsync(teammateId);
        await using var scope = server.Services.CreateAsyncScope();
        var caller = new ApiCaller(workspace.Id, teammateId, "") { Role = role, Permissions = BuiltInRoles.PermissionsOf(role) };
        return (await scope.ServiceProvider.GetRequiredService<ApiTokenAdministration>().CreateAsync(server.Cell(Region.Eu), caller, "test", null, null, CancellationToken.None)).Secret;
    }
}
