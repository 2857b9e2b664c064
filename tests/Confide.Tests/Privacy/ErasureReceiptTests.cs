using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Contacts;
using Confide.Platform;
using Confide.Privacy.Erasure;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Privacy;

/// <summary>
/// Every erasure — <c>DELETE /contacts/{id}</c>, <c>POST /user_delete_requests</c>, or the sweep
/// finishing an interrupted one — completes an erasure request and stores a receipt signed with
/// the region's activity-log key, which verifies offline and fails on any change.
/// </summary>
public sealed class ErasureReceiptTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task UserDeleteRequest_ErasesTheContact_WithAReceiptThatCountsWhatWasErased_AndVerifies(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, email) = await SeededContactAsync(api, workspace.OwnerId);
        var seeded = await CountsAsync(server, workspace.Id, contactId);

        var answered = await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync();
        var requestId = answered.Str("id");

        await (await api.GetAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var bytes = await ReceiptAsync(api, requestId);
        var request = await (await api.GetAsync($"confide/privacy_requests/{requestId}")).JsonAsync();
        Assert.Equal(("erasure", "completed", contactId), (request.Str("kind"), request.Str("state"), request.Str("contact_id")));
        using var download = await api.GetAsync($"confide/privacy_requests/{requestId}/receipt");
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        var receipt = JsonDocument.Parse(bytes).RootElement;
        Assert.Equal(requestId, receipt.Str("privacy_request_id"));
        Assert.Equal((workspace.Id, "eu"), (receipt.Str("workspace_id"), receipt.Str("region")));
        Assert.Equal(seeded, receipt.GetProperty("categories").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetInt64()));
        Assert.NotEmpty(receipt.GetProperty("destroyed_key_ids").EnumerateArray());
        var text = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain(email, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(contactId, text, StringComparison.Ordinal);
        Assert.StartsWith("h1:", receipt.Str("subject_reference"), StringComparison.Ordinal);

        var deletion = Assert.Single(await ActivityLogEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactDeletion && e.GetProperty("target").Str("id") == contactId);
        Assert.Equal(deletion.GetProperty("sequence").GetInt64(), receipt.GetProperty("activity_log_leaf_index").GetInt64());
        Assert.True(receipt.GetProperty("requested_at").GetInt64() <= receipt.GetProperty("key_destroyed_at").GetInt64());
        Assert.True(receipt.GetProperty("key_destroyed_at").GetInt64() <= receipt.GetProperty("completed_at").GetInt64());

        var keys = await PublishedKeysAsync(server);
        var verdict = ErasureReceiptVerifier.Verify(bytes, ErasureReceiptVerifier.FromKeysDocument(keys));
        Assert.True(verdict.Ok, verdict.Message);

        // A second erasure of the same subject answers with the first request and its receipt.
        Assert.Equal(requestId, (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id"));
        await (await api.DeleteAsync($"contacts/{contactId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(bytes, await (await api.GetAsync($"confide/privacy_requests/{requestId}/receipt")).Content.ReadAsByteArrayAsync());
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        Assert.Equal(1, await db.ErasureReceipts.CountAsync(r => r.WorkspaceId == workspace.Id));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DeleteContact_CompletesTheOpenErasureRequest_AndStoresItsReceipt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, email) = await SeededContactAsync(api, workspace.OwnerId);
        var seeded = await CountsAsync(server, workspace.Id, contactId);
        var requestId = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");
        await (await api.GetAsync($"confide/privacy_requests/{requestId}/receipt")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();

        var bytes = await ReceiptAsync(api, requestId);
        var request = await (await api.GetAsync($"confide/privacy_requests/{requestId}")).JsonAsync();
        Assert.Equal("completed", request.Str("state"));
        Assert.Equal(JsonValueKind.Null, request.GetProperty("subject_identifier").ValueKind);
        var receipt = JsonDocument.Parse(bytes).RootElement;
        Assert.Equal(seeded, receipt.GetProperty("categories").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetInt64()));
        var published = await PublishedKeysAsync(server);
        Assert.True(ErasureReceiptVerifier.Verify(bytes, ErasureReceiptVerifier.FromKeysDocument(published)).Ok);
        // user_delete_requests for the same subject now answers with that request.
        Assert.Equal(requestId, (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task OneErasure_CompletesEveryOpenErasureRequestOfTheSubject_AndEachAnswersWithItsReceipt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, email) = await SeededContactAsync(api, workspace.OwnerId);
        var first = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email })).JsonAsync()).Str("id");
        var second = (await (await api.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "web_form", email })).JsonAsync()).Str("id");
        foreach (var id in new[] { first, second })
        {
            await (await api.PostAsync($"confide/privacy_requests/{id}/verify", null)).JsonAsync();
            await (await api.PostAsync($"confide/privacy_requests/{id}/start", null)).JsonAsync();
        }

        // Erased through the newer request: both are answered by the one erasure.
        await (await api.PostAsync($"confide/privacy_requests/{second}/erase", null)).JsonAsync();
        var receipt = await ReceiptAsync(api, second);
        Assert.Equal(receipt, await ReceiptAsync(api, first));
        Assert.Equal(first, JsonDocument.Parse(receipt).RootElement.Str("privacy_request_id"));
        foreach (var id in new[] { first, second })
        {
            Assert.Equal("completed", (await (await api.GetAsync($"confide/privacy_requests/{id}")).JsonAsync()).Str("state"));
        }

        Assert.Equal(2, (await ActivityLogEntriesAsync(api)).Count(e => e.Str("activity_type") == ActivityTypes.PrivacyRequestStateChange
            && e.GetProperty("metadata").Str("after") == "completed"));
        _ = contactId;
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AReceipt_FailsVerification_ForEverySingleFieldChange_AndForAnotherRegionsKey(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, _) = await SeededContactAsync(api, workspace.OwnerId);
        var requestId = (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id");
        var bytes = await ReceiptAsync(api, requestId);
        var trusted = ErasureReceiptVerifier.FromKeysDocument(await PublishedKeysAsync(server));
        Assert.True(ErasureReceiptVerifier.Verify(bytes, trusted).Ok);

        var original = JsonNode.Parse(bytes)!.AsObject();
        foreach (var (name, _) in original)
        {
            var tampered = original.DeepClone().AsObject();
            tampered[name] = Tamper(tampered[name]!);
            var verdict = ErasureReceiptVerifier.Verify(Encoding.UTF8.GetBytes(tampered.ToJsonString()), trusted);
            Assert.False(verdict.Ok, $"a changed {name} verified");
        }

        var withExtra = original.DeepClone().AsObject();
        withExtra["note"] = "added later";
        Assert.False(ErasureReceiptVerifier.Verify(Encoding.UTF8.GetBytes(withExtra.ToJsonString()), trusted).Ok);
        var withoutOne = original.DeepClone().AsObject();
        withoutOne.Remove("categories");
        Assert.False(ErasureReceiptVerifier.Verify(Encoding.UTF8.GetBytes(withoutOne.ToJsonString()), trusted).Ok);
        Assert.False(ErasureReceiptVerifier.Verify("{\"receipt_id\":"u8, trusted).Ok);

        // Signed by the US region's key (with its id): not a key the EU region publishes.
        var us = await server.Services.GetRequiredService<RegionSigningKeys>().SignerAsync(server.Cell(Region.Us), SigningKeyPurposes.ActivityLog, CancellationToken.None);
        var document = ErasureReceiptDocument.Parse(bytes) with { KeyId = us.KeyId };
        var foreign = (document with { Signature = us.Sign(document.SignedBytes()) }).ToJson();
        var refused = ErasureReceiptVerifier.Verify(foreign, trusted);
        Assert.False(refused.Ok);
        Assert.Contains("not among the trusted keys", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiptsVerify_ExitsZeroForAGenuineReceipt_AndNonZeroForAChangedOne_WithAOneLineReason()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, _) = await SeededContactAsync(api, workspace.OwnerId);
        var requestId = (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id");
        var bytes = await ReceiptAsync(api, requestId);
        var keys = await PublishedKeysAsync(server);
        var dir = Directory.CreateTempSubdirectory("confide-receipt-").FullName;
        try
        {
            var receiptFile = Path.Combine(dir, "receipt.json");
            var keysFile = Path.Combine(dir, "keys.json");
            var pemFile = Path.Combine(dir, "key.pem");
            await File.WriteAllBytesAsync(receiptFile, bytes);
            await File.WriteAllBytesAsync(keysFile, keys);
            await File.WriteAllTextAsync(pemFile, JsonDocument.Parse(keys).RootElement.GetProperty("keys")[0].Str("public_key_pem"));
            var tamperedFile = Path.Combine(dir, "tampered.json");
            var tampered = JsonNode.Parse(bytes)!.AsObject();
            tampered["categories"]!["conversations"] = 0;
            await File.WriteAllTextAsync(tamperedFile, tampered.ToJsonString());
            var malformedFile = Path.Combine(dir, "malformed.json");
            await File.WriteAllTextAsync(malformedFile, "{ not json");

            using var cli = new ServerProcess();
            var genuine = await cli.RunCliAsync("receipts", "verify", receiptFile, "--keys-file", keysFile);
            Assert.True(genuine.ExitCode == 0, genuine.Output + genuine.Error);
            Assert.StartsWith("OK", genuine.Output, StringComparison.Ordinal);
            Assert.Equal(0, (await cli.RunCliAsync("receipts", "verify", receiptFile, "--public-key", pemFile)).ExitCode);

            foreach (var bad in new[] { tamperedFile, malformedFile })
            {
                var (exitCode, output, error) = await cli.RunCliAsync("receipts", "verify", bad, "--keys-file", keysFile);
                Assert.NotEqual(0, exitCode);
                Assert.StartsWith("FAILED:", output, StringComparison.Ordinal);
                Assert.Single(output.Trim().Split('\n'));
                Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
            }

            Assert.NotEqual(0, (await cli.RunCliAsync("receipts", "verify", receiptFile)).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task UserDeleteRequests_RefusesBadInput_WithIntercomErrors_AndErasesNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var (contactId, _) = await SeededContactAsync(api, workspace.OwnerId);
        using var anonymous = server.Client(Region.Eu);

        await (await anonymous.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await api.PostRawAsync("user_delete_requests", "{}")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        foreach (var body in new[] { "{\"intercom_user_id\":", "not json", "[]", "{\"intercom_user_id\": 42}" })
        {
            var json = await (await api.PostRawAsync("user_delete_requests", body)).JsonAsync(HttpStatusCode.BadRequest);
            Assert.Equal("error.list", json.Str("type"));
            Assert.StartsWith("parameter_", json.GetProperty("errors")[0].Str("code"), StringComparison.Ordinal);
        }

        await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = "no-such-contact" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = PublicIds.NewEntityId(TimeProvider.System) })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        // Another workspace's contact is not found, and stays.
        await (await otherApi.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"contacts/{contactId}")).JsonAsync();
        await (await anonymous.GetAsync("confide/privacy_requests/x/receipt")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await api.GetAsync("confide/privacy_requests/not-an-id/receipt")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // Another workspace's receipt is a 404 too.
        var requestId = (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id");
        await (await otherApi.GetAsync($"confide/privacy_requests/{requestId}/receipt")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnErasureInterruptedAfterKeyDestruction_GetsItsReceiptFromThePurge(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (contactId, _) = await SeededContactAsync(api, workspace.OwnerId);
        var seeded = await CountsAsync(server, workspace.Id, contactId);
        var keyIds = (await (await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu)).GetAsync(workspace.Id, contactId, CancellationToken.None))
            .Select(k => k.KeyId.ToString()).Order(StringComparer.Ordinal).ToList();
        var actor = ActivityActor.Teammate(workspace.OwnerId, "api", "127.0.0.1");
        await server.Services.GetRequiredService<ContactErasure>().RecordPendingAsync(server.Cell(Region.Eu), workspace.Id, contactId, actor, CancellationToken.None);
        await server.Services.GetRequiredService<ContactKeyRing>().ShredAsync(Region.Eu, workspace.Id, contactId, CancellationToken.None);

        // The process died here; its successor's runner finds the purge the acknowledgement enqueued.
        server.Services.GetRequiredService<JobQueue>().Wake(server.Cell(Region.Eu));

        string requestId;
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            requestId = await db.PrivacyRequests.Where(r => r.WorkspaceId == workspace.Id && r.ContactId == contactId).Select(r => r.Id).SingleAsync();
        }

        var bytes = await ReceiptAsync(api, requestId);
        var receipt = JsonDocument.Parse(bytes).RootElement;
        Assert.Equal(seeded, receipt.GetProperty("categories").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetInt64()));
        Assert.Equal(keyIds, receipt.GetProperty("destroyed_key_ids").EnumerateArray().Select(k => k.GetString()!));
        var deletion = Assert.Single(await ActivityLogEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactDeletion && e.GetProperty("target").Str("id") == contactId);
        Assert.Equal(deletion.GetProperty("sequence").GetInt64(), receipt.GetProperty("activity_log_leaf_index").GetInt64());
        var published = await PublishedKeysAsync(server);
        Assert.True(ErasureReceiptVerifier.Verify(bytes, ErasureReceiptVerifier.FromKeysDocument(published)).Ok);
        Assert.Equal(requestId, (await (await api.PostJsonAsync("user_delete_requests", new { intercom_user_id = contactId })).JsonAsync()).Str("id"));
    }

    /// <summary>The receipt of an erasure request, once its purge has completed.</summary>
    internal static async Task<byte[]> ReceiptAsync(HttpClient api, string requestId) =>
        (await Poll.UntilAsync<byte[]?>(
            async () =>
            {
                using var response = await api.GetAsync($"confide/privacy_requests/{requestId}/receipt");
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsByteArrayAsync() : null;
            },
            bytes => bytes is not null, TimeSpan.FromSeconds(90), "the erasure's receipt"))!;

    /// <summary>A contact with custom attributes, a company, two tags, a note, two data events, a subscription and two conversations with a reply and a tag each.</summary>
    private static async Task<(string ContactId, string Email)> SeededContactAsync(HttpClient api, string ownerId)
    {
        var email = $"erase-me-{Guid.NewGuid():N}@example.com";
        var contactId = (await (await api.PostJsonAsync("contacts", new { email, custom_attributes = new { plan = "pro" } })).JsonAsync()).Str("id");
        var companyId = (await (await api.PostJsonAsync("companies", new { company_id = $"co-{Guid.NewGuid():N}", name = "Acme" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/companies", new { id = companyId })).JsonAsync();
        for (var i = 0; i < 2; i++)
        {
            var tagId = (await (await api.PostJsonAsync("tags", new { name = $"tag-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
            await (await api.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
            var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");
            await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = ownerId, message_type = "comment", body = "Hi back" })).JsonAsync();
            await (await api.PostJsonAsync($"conversations/{conversationId}/tags", new { id = tagId, admin_id = ownerId })).JsonAsync();
        }

        await (await api.PostJsonAsync($"contacts/{contactId}/notes", new { body = "A note", admin_id = ownerId })).JsonAsync();
        for (var i = 0; i < 2; i++)
        {
            using var tracked = await api.PostJsonAsync("events", new { event_name = "placed-order", created_at = 1_700_000_000 + i, id = contactId, metadata = new { order = i } });
            Assert.Equal(HttpStatusCode.Accepted, tracked.StatusCode);
        }

        var subscriptionTypeId = (await Api.SubscriptionApiTests.CreateTypeAsync(api, "opt_in", "Newsletter " + Guid.NewGuid().ToString("N"))).Str("id");
        await (await api.PostJsonAsync($"contacts/{contactId}/subscriptions", new { id = subscriptionTypeId, consent_type = "opt_in" })).JsonAsync();
        return (contactId, email);
    }

    /// <summary>What the database holds of the contact, per receipt category, counted independently of the erasure.</summary>
    private static async Task<Dictionary<string, long>> CountsAsync(TestServer server, string workspaceId, string contactId)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var conversationIds = await db.Conversations.Where(c => c.WorkspaceId == workspaceId && c.ContactId == contactId).Select(c => c.Id).ToListAsync();
        var counts = new Dictionary<string, long>
        {
            [ErasedCategories.ContactProfile] = 1,
            [ErasedCategories.CustomAttributes] = 1,
            [ErasedCategories.Tags] = await db.ContactTags.CountAsync(t => t.ContactId == contactId),
            [ErasedCategories.Companies] = await db.ContactCompanies.CountAsync(l => l.ContactId == contactId),
            [ErasedCategories.Notes] = await db.Notes.CountAsync(n => n.ContactId == contactId),
            [ErasedCategories.Conversations] = conversationIds.Count,
            [ErasedCategories.ConversationParts] = await db.ConversationParts.CountAsync(p => conversationIds.Contains(p.ConversationId)),
            [ErasedCategories.ConversationTags] = await db.ConversationTags.CountAsync(t => conversationIds.Contains(t.ConversationId)),
            [ErasedCategories.DataEvents] = await db.DataEvents.CountAsync(e => e.ContactId == contactId),
            [ErasedCategories.ConversationParticipants] = await db.ConversationParticipants.CountAsync(p => p.WorkspaceId == workspaceId && (p.ContactId == contactId || conversationIds.Contains(p.ConversationId))),
            [ErasedCategories.SubscriptionChanges] = await db.ContactSubscriptionChanges.CountAsync(c => c.ContactId == contactId),
            [ErasedCategories.SearchTokens] = await db.SearchTokens.CountAsync(t => t.WorkspaceId == workspaceId && t.ContactId == contactId),
            ["subject_exports"] = 0,
            ["data_export_rows"] = 0,
            ["privacy_request_identifiers"] = 0,
        };
        Assert.Equal((2, 1, 2, 1, 2), (counts[ErasedCategories.Tags], counts[ErasedCategories.Notes], counts[ErasedCategories.Conversations], counts[ErasedCategories.Companies], counts[ErasedCategories.ConversationTags]));
        Assert.True(counts[ErasedCategories.ConversationParts] >= 4);
        Assert.Equal(2, counts[ErasedCategories.DataEvents]);
        Assert.Equal(1, counts[ErasedCategories.SubscriptionChanges]);
        Assert.True(counts[ErasedCategories.SearchTokens] > 0);
        return counts;
    }

    private static async Task<byte[]> PublishedKeysAsync(TestServer server)
    {
        using var anonymous = server.Client(Region.Eu);
        using var response = await anonymous.GetAsync(ActivityLogKeyEndpoints.Path.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<List<JsonElement>> ActivityLogEntriesAsync(HttpClient api) =>
        [.. (await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync()).GetProperty("activity_logs").EnumerateArray()];

    /// <summary>The value changed by the smallest step its kind allows.</summary>
    private static JsonNode Tamper(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Number => JsonValue.Create(value.GetValue<long>() + 1),
        JsonValueKind.String when value.GetValue<string>() is var s && s.Length > 0 => JsonValue.Create(s[..^1] + (s[^1] == 'A' ? 'B' : 'A')),
        JsonValueKind.Object => Bump(value.AsObject()),
        JsonValueKind.Array => new JsonArray([.. value.AsArray().Select(v => v!.DeepClone()), JsonValue.Create("00000000-0000-0000-0000-000000000000")]),
        _ => JsonValue.Create("changed")!,
    };

    private static JsonObject Bump(JsonObject categories)
    {
        var copy = categories.DeepClone().AsObject();
        var first = copy.First().Key;
        copy[first] = copy[first]!.GetValue<long>() + 1;
        return copy;
    }
}
