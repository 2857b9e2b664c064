using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Data;

/// <summary>
/// One process can serve a PostgreSQL region beside SQLite ones (the PostgreSQL test server's
/// eu cell is PostgreSQL, us and au are SQLite). Every code path, compiled queries included,
/// must work on both, in any order.
/// </summary>
public sealed class MixedProviderTests(Servers servers)
{
    [Fact]
    public async Task PostgresAndSqliteRegions_InOneProcess_ServeAlternatingRequests()
    {
        var server = await servers.GetAsync(Providers.Postgres);
        var workspaces = new[] { await server.CreateWorkspaceAsync(Region.Eu), await server.CreateWorkspaceAsync(Region.Us) };

        for (var round = 0; round < 3; round++)
        {
            foreach (var workspace in workspaces)
            {
                using var client = workspace.Client();
                Assert.Equal(workspace.OwnerId, (await (await client.GetAsync("me")).JsonAsync()).Str("id"));
                var contactId = (await (await client.PostJsonAsync("contacts", new { role = "lead", name = $"r{round}" })).JsonAsync()).Str("id");
                var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "lead", id = contactId }, body = "hi" })).JsonAsync()).Str("conversation_id");
                await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = "hello" })).JsonAsync();
                var conversation = await (await client.GetAsync($"conversations/{conversationId}")).JsonAsync();
                Assert.Equal(1, conversation.GetProperty("conversation_parts").GetProperty("total_count").GetInt32());
            }
        }
    }
}
