using System.Net;
using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Api;

/// <summary>Ids of another workspace behave exactly like ids that do not exist: 404, no data, no change.</summary>
public sealed class IsolationTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task OtherWorkspaceIds_Give404AndChangeNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var victim = await server.CreateWorkspaceAsync(Region.Eu, "Victim");
        var attacker = await server.CreateWorkspaceAsync(Region.Eu, "Attacker");
        using var victimClient = victim.Client();
        using var attackerClient = attacker.Client();
        var contact = await (await victimClient.PostJsonAsync("contacts", new { email = "secret@example.com", external_id = "secret-ext" })).JsonAsync();
        var contactId = contact.Str("id");
        var conversationId = (await (await victimClient.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "private" })).JsonAsync()).Str("conversation_id");
        var tagId = (await (await victimClient.PostJsonAsync("tags", new { name = "victim-tag" })).JsonAsync()).Str("id");
        var noteId = (await (await victimClient.PostJsonAsync($"contacts/{contactId}/notes", new { body = "private note" })).JsonAsync()).Str("id");

        HttpRequestMessage[] probes =
        [
            new(HttpMethod.Get, $"contacts/{contactId}"),
            new(HttpMethod.Put, $"contacts/{contactId}") { Content = JsonContent.Create(new { name = "pwned" }) },
            new(HttpMethod.Delete, $"contacts/{contactId}"),
            new(HttpMethod.Post, $"contacts/{contactId}/archive"),
            new(HttpMethod.Get, "contacts/find_by_external_id/secret-ext"),
            new(HttpMethod.Get, $"contacts/{contactId}/tags"),
            new(HttpMethod.Post, $"contacts/{contactId}/notes") { Content = JsonContent.Create(new { body = "x" }) },
            new(HttpMethod.Get, $"contacts/{contactId}/notes"),
            new(HttpMethod.Get, $"notes/{noteId}"),
            new(HttpMethod.Get, $"tags/{tagId}"),
            new(HttpMethod.Delete, $"tags/{tagId}"),
            new(HttpMethod.Get, $"conversations/{conversationId}"),
            new(HttpMethod.Post, $"conversations/{conversationId}/reply") { Content = JsonContent.Create(new { type = "admin", admin_id = attacker.OwnerId, body = "x" }) },
            new(HttpMethod.Post, $"conversations/{conversationId}/parts") { Content = JsonContent.Create(new { type = "admin", admin_id = attacker.OwnerId, message_type = "close" }) },
            new(HttpMethod.Delete, $"conversations/{conversationId}"),
            new(HttpMethod.Post, "conversations") { Content = JsonContent.Create(new { from = new { type = "user", id = contactId }, body = "x" }) },
        ];
        foreach (var probe in probes)
        {
            var response = await attackerClient.SendAsync(probe);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{probe.Method} {probe.RequestUri}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("private", body, StringComparison.OrdinalIgnoreCase);
        }

        var search = await (await attackerClient.PostJsonAsync("contacts/search", new { query = new { field = "email", @operator = "=", value = "secret@example.com" } })).JsonAsync();
        Assert.Equal(0, search.GetProperty("total_count").GetInt32());
        Assert.Equal(0, (await (await attackerClient.GetAsync("contacts")).JsonAsync()).GetProperty("total_count").GetInt32());
        Assert.Equal(0, (await (await attackerClient.GetAsync("conversations")).JsonAsync()).GetProperty("total_count").GetInt32());

        // The victim's data is untouched.
        var after = await (await victimClient.GetAsync($"contacts/{contactId}")).JsonAsync();
        Assert.Equal(contact.GetProperty("name").ToString(), after.GetProperty("name").ToString());
        Assert.False(after.GetProperty("archived").GetBoolean());
        var conversation = await (await victimClient.GetAsync($"conversations/{conversationId}")).JsonAsync();
        Assert.Equal("open", conversation.Str("state"));
        Assert.Equal(0, conversation.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
        Assert.Equal(1, (await (await victimClient.GetAsync($"contacts/{contactId}/notes")).JsonAsync()).GetProperty("total_count").GetInt32());
    }
}
