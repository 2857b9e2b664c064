using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Api;

/// <summary>
/// <c>Idempotency-Key</c> on API writes (docs/api.md, "Idempotent retries"): a retried write is
/// applied once and answered again with the earlier status and the object's current state.
/// </summary>
public sealed class IdempotentRetryTests(Servers servers)
{
    private const string Header = "Idempotency-Key";
    private const string Replayed = "Idempotent-Replayed";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CreateContact_SameKeyTwice_CreatesOneContact_AndReplaysTheAnswer(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var key = NewKey();

        using var first = await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Lee" });
        var created = await first.JsonAsync();
        Assert.False(first.Headers.Contains(Replayed));

        using var second = await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Lee" });
        var replayed = await second.JsonAsync();
        Assert.Equal("true", Assert.Single(second.Headers.GetValues(Replayed)));
        Assert.Equal(created.Str("id"), replayed.Str("id"));
        Assert.Equal("contact", replayed.Str("type"));
        Assert.Equal("Lee", replayed.Str("name"));
        Assert.Equal(1, await ContactCountAsync(server, workspace));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Replay_AnswersTheObjectsCurrentState(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var key = NewKey();
        var id = (await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Before" })).JsonAsync()).Str("id");
        await (await client.PutAsync($"contacts/{id}", JsonContent(new { name = "After" }))).JsonAsync();

        var replayed = await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Before" })).JsonAsync();
        Assert.Equal("After", replayed.Str("name"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task SameKey_DifferentRequest_Is422AndWritesNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var key = NewKey();
        await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "One" })).JsonAsync();

        await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Two" })).ErrorAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        await (await SendAsync(client, HttpMethod.Post, "tags", key, new { role = "lead", name = "One" })).ErrorAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(1, await ContactCountAsync(server, workspace));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ConcurrentRetries_OfOneReply_WriteOnePart(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "p@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hi" })).JsonAsync()).Str("conversation_id");
        var key = NewKey();
        var partsBefore = await PartCountAsync(server, conversationId);
        var reply = new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "Once only" };

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await SendAsync(client, HttpMethod.Post, $"conversations/{conversationId}/reply", key, reply);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), RetryAfter: response.Headers.RetryAfter);
        }));

        foreach (var (status, body, retryAfter) in answers)
        {
            var json = JsonDocument.Parse(body).RootElement;
            if (status == HttpStatusCode.OK)
            {
                Assert.Equal(conversationId, json.Str("id"));
            }
            else
            {
                Assert.Equal(HttpStatusCode.Conflict, status);
                Assert.Equal("idempotency_key_in_progress", json.GetProperty("errors")[0].Str("code"));
                Assert.NotNull(retryAfter);
            }
        }

        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(partsBefore + 1, await PartCountAsync(server, conversationId));
        using var again = await SendAsync(client, HttpMethod.Post, $"conversations/{conversationId}/reply", key, reply);
        var conversation = await again.JsonAsync();
        Assert.True(again.Headers.Contains(Replayed));
        Assert.Equal(1, conversation.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ConcurrentRetries_OfOneCreate_CreateOneContact(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var key = NewKey();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Racer" });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, a.Body));
        Assert.Single(answers.Where(a => a.StatusCode == HttpStatusCode.OK).Select(a => JsonDocument.Parse(a.Body).RootElement.Str("id")).Distinct());
        Assert.Equal(1, await ContactCountAsync(server, workspace));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task FailedRequest_LeavesTheKeyFree_ForTheRetry(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "f@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hi" })).JsonAsync()).Str("conversation_id");
        var key = NewKey();

        // Refused before the writer, then inside it (the admin is looked up in the unit): no claim either time.
        await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "boss" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await SendAsync(client, HttpMethod.Post, $"conversations/{conversationId}/reply", key, new { type = "admin", admin_id = "0123456789abcdef01234567", body = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        using var retry = await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Fixed" });
        Assert.Equal("Fixed", (await retry.JsonAsync()).Str("name"));
        Assert.False(retry.Headers.Contains(Replayed));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Keys_AreScopedToTheToken(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var secondToken = (await (await client.PostJsonAsync("confide/api_tokens", new { name = "second" })).JsonAsync()).Str("access_token");
        using var secondClient = server.Client(Region.Eu, secondToken);
        using var otherClient = other.Client();
        var key = NewKey();

        var ids = new List<string>();
        foreach (var each in new[] { client, secondClient, otherClient })
        {
            using var response = await SendAsync(each, HttpMethod.Post, "contacts", key, new { role = "lead", name = "Same" });
            ids.Add((await response.JsonAsync()).Str("id"));
            Assert.False(response.Headers.Contains(Replayed));
        }

        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(2, await ContactCountAsync(server, workspace));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MalformedKey_Is400(string provider)
    {
        var workspace = await (await servers.GetAsync(provider)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        foreach (var key in new[] { "", new string('k', 256), "tab\there" })
        {
            await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { role = "lead" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        }

        // The longest key is accepted; a read ignores the header.
        await (await SendAsync(client, HttpMethod.Post, "contacts", new string('k', 255), new { role = "lead" })).JsonAsync();
        using var read = new HttpRequestMessage(HttpMethod.Get, "contacts");
        read.Headers.TryAddWithoutValidation(Header, "");
        await (await client.SendAsync(read)).JsonAsync();
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task KeyedBody_OverTheLimit_Is413(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        // Declared, not sent: the server answers as soon as it reads the length, and a client still
        // writing 2 MiB would meet a closed connection instead of the answer.
        var answer = await RawHttps.SendAsync(server.Ports[Region.Eu], server.CaCertificate,
            $"POST /contacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {workspace.Token}\r\n{Header}: {NewKey()}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{\"role\":");
        Assert.True(answer.Status == 413, $"{answer.Status}: {answer.Body}");
        using var body = JsonDocument.Parse(answer.Body);
        Assert.Equal("request_too_large", body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DeleteContact_Retried_AnswersTheDeletionAgain(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var id = (await (await client.PostJsonAsync("contacts", new { role = "lead", name = "Gone" })).JsonAsync()).Str("id");
        var key = NewKey();

        await (await SendAsync(client, HttpMethod.Delete, $"contacts/{id}", key, body: null)).JsonAsync();
        using var again = await SendAsync(client, HttpMethod.Delete, $"contacts/{id}", key, body: null);
        var replayed = await again.JsonAsync();
        Assert.True(again.Headers.Contains(Replayed));
        Assert.Equal(id, replayed.Str("id"));
        Assert.Equal("contact", replayed.Str("type"));
        Assert.True(replayed.GetProperty("deleted").GetBoolean());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task CreateConversation_Retried_AnswersTheMessagesReference_AndOpensOneConversation(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "m@example.com" })).JsonAsync()).Str("id");
        var key = NewKey();
        var message = new { from = new { type = "user", id = contactId }, body = "Help" };

        var first = await (await SendAsync(client, HttpMethod.Post, "conversations", key, message)).JsonAsync();
        using var again = await SendAsync(client, HttpMethod.Post, "conversations", key, message);
        var replayed = await again.JsonAsync();
        Assert.True(again.Headers.Contains(Replayed));
        Assert.Equal((first.Str("type"), first.Str("id"), first.Str("conversation_id")), (replayed.Str("type"), replayed.Str("id"), replayed.Str("conversation_id")));
        Assert.False(replayed.TryGetProperty("body", out _));
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        Assert.Equal(1, await db.Conversations.CountAsync(c => c.WorkspaceId == workspace.Id));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ClaimWithoutOutcome_IsInProgress_ThenOutcomeUnknown_AndNeverWritesAgain(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        const string body = """{"role":"lead","name":"Lost"}""";
        var (running, lost) = (NewKey(), NewKey());
        await InsertClaimAsync(server, workspace, running, Fingerprint("POST", "/contacts", body), DateTimeOffset.UtcNow);
        await InsertClaimAsync(server, workspace, lost, Fingerprint("POST", "/contacts", body), DateTimeOffset.UtcNow.AddMinutes(-2));

        using var inProgress = await SendRawAsync(client, "contacts", running, body);
        await inProgress.ErrorAsync(HttpStatusCode.Conflict, "idempotency_key_in_progress");
        Assert.NotNull(inProgress.Headers.RetryAfter);
        await (await SendRawAsync(client, "contacts", lost, body)).ErrorAsync(HttpStatusCode.Conflict, "idempotency_key_outcome_unknown");
        Assert.Equal(0, await ContactCountAsync(server, workspace));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExpiredKey_IsFreeAgain(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        const string body = """{"role":"lead","name":"Later"}""";
        var key = NewKey();
        await InsertClaimAsync(server, workspace, key, Fingerprint("POST", "/contacts", body), DateTimeOffset.UtcNow.AddHours(-25), statusCode: 200);

        using var response = await SendRawAsync(client, "contacts", key, body);
        Assert.Equal("Later", (await response.JsonAsync()).Str("name"));
        Assert.False(response.Headers.Contains(Replayed));
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var claim = await db.IdempotencyKeys.SingleAsync(k => k.WorkspaceId == workspace.Id && k.KeyHash == Hash(key));
        Assert.True(claim.CreatedAt > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal("contact", claim.ObjectType);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Claim_KeepsHashesAndThePublicIdOnly(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var key = "order-4711-" + Guid.NewGuid().ToString("N");
        var id = (await (await SendAsync(client, HttpMethod.Post, "contacts", key, new { email = "secret@example.com", name = "Private" })).JsonAsync()).Str("id");

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var claim = await db.IdempotencyKeys.SingleAsync(k => k.WorkspaceId == workspace.Id);
        Assert.Equal(Hash(key), claim.KeyHash);
        Assert.Equal((200, "contact", id), (claim.StatusCode, claim.ObjectType, claim.ObjectId));
        Assert.DoesNotContain("secret", JsonSerializer.Serialize(claim), StringComparison.Ordinal);
        Assert.DoesNotContain("order-4711", JsonSerializer.Serialize(claim), StringComparison.Ordinal);
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string key, object? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent(body) };
        request.Headers.TryAddWithoutValidation(Header, key);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendRawAsync(HttpClient client, string path, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation(Header, key);
        return client.SendAsync(request);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key)));

    private static string Fingerprint(string method, string path, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{method}\n{path}\n{body}")));

    private static async Task InsertClaimAsync(TestServer server, TestWorkspace workspace, string key, string requestHash, DateTimeOffset createdAt, int? statusCode = null)
    {
        var cell = server.Cell(Region.Eu);
        await using var db = cell.CreateReadContext();
        var tokenId = await db.ApiTokens.Where(t => t.WorkspaceId == workspace.Id).Select(t => t.Id).SingleAsync();
        await cell.Writer.WriteAsync((write, _) =>
        {
            write.IdempotencyKeys.Add(new IdempotencyKey { WorkspaceId = workspace.Id, TokenId = tokenId, KeyHash = Hash(key), RequestHash = requestHash, CreatedAt = createdAt, StatusCode = statusCode });
            return Task.CompletedTask;
        }, CancellationToken.None);
    }

    private static async Task<int> ContactCountAsync(TestServer server, TestWorkspace workspace)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        return await db.Contacts.CountAsync(c => c.WorkspaceId == workspace.Id);
    }

    private static async Task<int> PartCountAsync(TestServer server, string conversationId)
    {
        await using var db = server.Cell(Region.Eu).CreateReadContext();
        return await db.ConversationParts.CountAsync(p => p.ConversationId == conversationId);
    }
}
