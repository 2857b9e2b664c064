using System.Collections.Concurrent;
using System.Net.Http.Json;
using Confide.Crypto;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Crypto;

/// <summary>
/// <c>confide keys rotate</c> in its own process while a real server takes API traffic and other
/// processes create workspaces: nothing fails, everything reads back, before and after a restart.
/// </summary>
public sealed class MasterKeyRotationEndToEndTests
{
    private sealed record Written(string WorkspaceToken, string ContactId, string ExternalId, string ConversationId, string Reply);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task RotateWhileServing_NoRequestFails_AndEverythingReadsBackAfterARestart(string provider)
    {
        var postgres = await TestPostgres.DatabaseForAsync(provider);

        using var server = new ServerProcess(postgres);
        try
        {
            await server.StartAsync();
            var tokens = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                tokens.Add((await server.CreateWorkspaceAsync(Region.Eu, $"Rotation {i}", $"owner{i}@example.com")).Str("access_token"));
            }

            var oldKeyId = (await EuStatusAsync(server)).Str("master_key_id");
            var written = new ConcurrentBag<Written>();
            var failures = new ConcurrentBag<string>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 6).Select(w => Task.Run(() => WriteLoadAsync(server, tokens[w % tokens.Count], w, written, failures, stop.Token))).ToList();
            await Poll.UntilAsync(() => written.Count >= 10 || !failures.IsEmpty, TimeSpan.FromMinutes(2), "10 writes before the rotation");

            // The rotation, and two more workspaces whose keys are wrapped while it runs.
            var rotate = server.RunCliJsonAsync("keys", "rotate", "--region", "eu", "--json");
            var more = Enumerable.Range(3, 2).Select(i => server.CreateWorkspaceAsync(Region.Eu, $"Rotation {i}", $"owner{i}@example.com")).ToList();
            var rotated = await rotate;
            foreach (var created in await Task.WhenAll(more))
            {
                tokens.Add(created.Str("access_token"));
            }

            var duringRotation = written.Count;
            await Poll.UntilAsync(() => written.Count > duringRotation || !failures.IsEmpty, TimeSpan.FromMinutes(2), "a write acknowledged after the rotation");
            await stop.CancelAsync();
            await Task.WhenAll(load);

            Assert.Empty(failures);
            Assert.True(written.Count > duringRotation, "the load kept running after the rotation");
            var newKeyId = rotated.Str("new_key_id");
            Assert.NotEqual(oldKeyId, newKeyId);
            Assert.Equal([oldKeyId], rotated.GetProperty("retired").EnumerateArray().Select(e => e.GetString()));
            Assert.True(rotated.GetProperty("rewrapped").GetInt32() >= 3);
            using (var keyFile = KeyFileMasterKeyProvider.Open(Region.Eu, Path.Combine(server.DataDirectory, "keys", "eu", "master.key"), createIfMissing: false))
            {
                Assert.Equal([Guid.Parse(newKeyId)], keyFile.KeyIds);
            }

            var status = await EuStatusAsync(server);
            Assert.Equal(newKeyId, status.Str("master_key_id"));
            var version = Assert.Single(status.GetProperty("master_key_versions").EnumerateArray());
            Assert.Equal(newKeyId, version.Str("key_id"));
            Assert.True(version.GetProperty("current").GetBoolean());
            Assert.True(version.GetProperty("held").GetBoolean());
            Assert.Equal(15, version.GetProperty("wrapped_keys").GetInt32()); // 5 workspaces, each a lookup-index, a data and a workforce key

            await ReadBackAsync(server, tokens, written);
            await server.StopAsync();
            await server.StartAsync();
            // Fresh caches: every workspace key is unwrapped again, now under the new version.
            await ReadBackAsync(server, tokens, written);
        }
        finally
        {
            server.KillHard();
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }
        }
    }

    private static async Task<System.Text.Json.JsonElement> EuStatusAsync(ServerProcess server) =>
        (await server.RunCliJsonAsync("keys", "status", "--region", "eu", "--json")).EnumerateArray().Single();

    /// <summary>Contact (with an external id, so the blind-index key is used), conversation, reply; over and over.</summary>
    private static async Task WriteLoadAsync(ServerProcess server, string token, int writer, ConcurrentBag<Written> written, ConcurrentBag<string> failures, CancellationToken stop)
    {
        using var client = server.ClientFor(Region.Eu, token);
        // A started round always finishes (no token on the requests): a cancelled request is not a failure to report.
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var step = "contact";
            try
            {
                var externalId = $"rot-{writer}-{i}";
                var contact = await Ok(await client.PostAsJsonAsync("contacts", new { external_id = externalId, email = $"{externalId}@example.com", role = "user" }, CancellationToken.None));
                step = "conversation";
                var conversation = await Ok(await client.PostAsJsonAsync("conversations", new { from = new { type = "user", id = contact.Str("id") }, body = $"hello from {externalId}" }, CancellationToken.None));
                step = "reply";
                var reply = $"reply to {externalId}";
                await Ok(await client.PostAsJsonAsync($"conversations/{conversation.Str("conversation_id")}/reply", new { message_type = "comment", type = "user", intercom_user_id = contact.Str("id"), body = reply }, CancellationToken.None));
                written.Add(new Written(token, contact.Str("id"), externalId, conversation.Str("conversation_id"), reply));
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
            {
                failures.Add($"writer {writer} {step}: {ex.Message}");
            }
        }
    }

    private static async Task<System.Text.Json.JsonElement> Ok(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode
                ? System.Text.Json.JsonDocument.Parse(text).RootElement.Clone()
                : throw new InvalidOperationException($"{(int)response.StatusCode}: {text}");
        }
    }

    private static async Task ReadBackAsync(ServerProcess server, List<string> tokens, IEnumerable<Written> written)
    {
        foreach (var token in tokens)
        {
            // Every workspace, including those created during the rotation, can use its lookup key.
            using var client = server.ClientFor(Region.Eu, token);
            await (await client.GetAsync("contacts/find_by_external_id/none-such")).ErrorAsync(System.Net.HttpStatusCode.NotFound, "not_found");
        }

        foreach (var group in written.GroupBy(w => w.WorkspaceToken))
        {
            using var client = server.ClientFor(Region.Eu, group.Key);
            foreach (var w in group)
            {
                var found = await (await client.GetAsync($"contacts/find_by_external_id/{w.ExternalId}")).JsonAsync();
                Assert.Equal(w.ContactId, found.Str("id"));
                var conversation = await (await client.GetAsync($"conversations/{w.ConversationId}")).JsonAsync();
                var parts = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray();
                Assert.Contains(w.Reply, parts.Select(p => p.Str("body")));
            }
        }
    }
}
