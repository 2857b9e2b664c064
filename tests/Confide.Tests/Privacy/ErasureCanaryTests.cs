using System.Net;
using System.Net.Http.Json;
using System.Text;
using Confide.Crypto;
using Confide.Platform;
using Confide.Tests.Crypto;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Privacy;

/// <summary>
/// After an erasure, nothing of the subject can be found anywhere: not through the API, the web
/// app or the subject's own messenger, not in the raw data files (nor a pg_dump), and not in a
/// copy of the database taken before the erasure and restored into a fresh instance — while a
/// look-alike subject beside them reads in full everywhere. Every field of the subject carries a
/// unique canary, searched for in every encoding a leak could take.
/// </summary>
public sealed class ErasureCanaryTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task AfterErasure_NoCanaryOfTheSubject_AnywhereNorInARestoredPreErasureCopy_AndTheBystanderIsIntact(string provider)
    {
        await servers.GetAsync(provider); // skips or fails like every provider test when PostgreSQL is absent
        var data = Directory.CreateTempSubdirectory("confide-canary-").FullName;
        var databases = new List<string>();
        var subject = new CanaryMarkers();
        var bystander = new CanaryMarkers();
        try
        {
            var postgres = Providers.IsPostgres(provider) ? await TestPostgres.CreateDatabaseAsync() : null;
            if (postgres is not null)
            {
                databases.Add(postgres);
            }

            TestWorkspace workspace;
            string subjectId, subjectConversation, bystanderId, bystanderConversation, backup = Path.Combine(data, "..", $"{Path.GetFileName(data)}-backup.db"), dump = "";
            await using (var server = await TestServer.StartAsync(provider, data, postgres))
            {
                if (server.KeyStorePostgresConnectionString is { } keyStore)
                {
                    databases.Add(keyStore);
                }

                workspace = await server.CreateWorkspaceAsync(Region.Eu);
                using var api = workspace.Client();
                using var messenger = new MessengerVisitor(server, Region.Eu, workspace.Id);
                await messenger.BootOkAsync();
                (subjectId, subjectConversation) = await SeedAsync(api, workspace.OwnerId, subject, messenger);
                (bystanderId, bystanderConversation) = await SeedAsync(api, workspace.OwnerId, bystander, visitor: null);

                // The copy an operator's backup would hold, taken while the server runs.
                if (postgres is not null)
                {
                    dump = await TestPostgres.DumpAsync(postgres);
                    // The cell's backup holds no contact key (ADR 0006), wherever the key store is.
                    var wrapped = (await (await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu)).GetAsync(workspace.Id, subjectId, CancellationToken.None)).Single().WrappedKey;
                    Assert.DoesNotContain(Convert.ToHexStringLower(wrapped), dump, StringComparison.Ordinal);
                }
                else
                {
                    await using var connection = new SqliteConnection(server.Cell(Region.Eu).ConnectionString);
                    await connection.OpenAsync();
                    await using var vacuum = connection.CreateCommand();
                    vacuum.CommandText = $"VACUUM INTO '{backup}'";
                    await vacuum.ExecuteNonQueryAsync();
                }

                // Positive control: before the erasure every canary answers through the API.
                var before = await EverythingTheApiShowsAsync(api, subjectId, subjectConversation, bystanderId, bystanderConversation);
                AssertAllFound(subject, before, "the API before the erasure");

                await (await api.DeleteAsync($"contacts/{subjectId}")).JsonAsync();
                await api.WaitForPurgeAsync(subjectId);

                var seen = new StringBuilder();
                seen.Append(await EverythingTheApiShowsAsync(api, subjectId, subjectConversation, bystanderId, bystanderConversation));
                seen.Append(await EverythingTheWebAppShowsAsync(server, workspace, subjectConversation, bystanderConversation));
                await messenger.BootOkAsync();
                seen.Append((await messenger.ListAsync()).ToString());
                seen.Append(await (await messenger.GetAsync($"conversations/{subjectConversation}")).Content.ReadAsStringAsync());
                AssertNoneFound(subject, Encoding.UTF8.GetBytes(seen.ToString()), "the API, the web app and the subject's messenger");
                AssertAllFound(bystander, seen.ToString(), "the API and the web app after the erasure");

                foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
                {
                    AssertNoneFound(subject, await EncryptionAtRestTests.ReadSharedAsync(file), Path.GetRelativePath(data, file));
                }

                if (postgres is not null)
                {
                    AssertNoneFound(subject, Encoding.UTF8.GetBytes(await TestPostgres.DumpAsync(postgres)), "pg_dump");
                }

                if (server.KeyStorePostgresConnectionString is { } keyStoreDatabase)
                {
                    AssertNoneFound(subject, Encoding.UTF8.GetBytes(await TestPostgres.DumpAsync(keyStoreDatabase)), "the key store's pg_dump");
                }
            }

            // The pre-erasure copy, restored into a fresh instance with the current key store.
            SqliteConnection.ClearAllPools();
            if (postgres is not null)
            {
                postgres = await TestPostgres.RestoreAsync(dump);
                databases.Add(postgres);
            }
            else
            {
                var live = Path.Combine(data, "regions", "eu", "confide.db");
                File.Copy(backup, live, overwrite: true);
                File.Delete(live + "-wal");
                File.Delete(live + "-shm");
            }

            await using (var restored = await TestServer.StartAsync(provider, data, postgres))
            {
                using var api = restored.Client(Region.Eu, workspace.Token);
                await (await api.GetAsync($"contacts/{subjectId}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
                var shown = await EverythingTheApiShowsAsync(api, subjectId, subjectConversation, bystanderId, bystanderConversation);
                shown += await EverythingTheWebAppShowsAsync(restored, workspace, subjectConversation, bystanderConversation);
                AssertNoneFound(subject, Encoding.UTF8.GetBytes(shown), "the restored pre-erasure copy, through the API and the web app");
                AssertAllFound(bystander, shown, "the restored copy");
            }
        }
        finally
        {
            foreach (var database in databases)
            {
                await TestPostgres.DropDatabaseAsync(database);
            }

            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
            File.Delete(Path.Combine(data, "..", $"{Path.GetFileName(data)}-backup.db"));
        }
    }

    /// <summary>
    /// A contact with a canary in every field a person can fill: profile, custom attribute, a note,
    /// a data event's metadata, a conversation (from the messenger when a visitor is given) with a
    /// reply, an internal note and a custom attribute.
    /// </summary>
    private static async Task<(string ContactId, string ConversationId)> SeedAsync(HttpClient api, string ownerId, CanaryMarkers markers, MessengerVisitor? visitor)
    {
        string contactId, conversationId;
        if (visitor is not null)
        {
            conversationId = await visitor.StartAsync(markers["messenger_message"]);
            contactId = (await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync()).GetProperty("contacts").GetProperty("contacts")[0].Str("id");
            await (await api.PutAsJsonAsync($"contacts/{contactId}", new
            {
                email = $"{markers["email"]}@example.com", name = markers["name"], phone = markers["phone"], external_id = markers["external_id"],
                custom_attributes = new { plan = markers["custom_attribute"] },
            })).JsonAsync();
        }
        else
        {
            contactId = (await (await api.PostJsonAsync("contacts", new
            {
                email = $"{markers["email"]}@example.com", name = markers["name"], phone = markers["phone"], external_id = markers["external_id"],
                custom_attributes = new { plan = markers["custom_attribute"] },
            })).JsonAsync()).Str("id");
            conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = markers["message"] })).JsonAsync()).Str("conversation_id");
        }

        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = ownerId, message_type = "comment", body = markers["reply"] })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = ownerId, message_type = "note", body = markers["internal_note"] })).JsonAsync();
        await (await api.PostJsonAsync($"contacts/{contactId}/notes", new { body = markers["contact_note"], admin_id = ownerId })).JsonAsync();
        await (await api.PutAsJsonAsync($"conversations/{conversationId}", new { custom_attributes = new { order = markers["conversation_attribute"] } })).JsonAsync();
        using var accepted = await api.PostJsonAsync("events", new { event_name = "placed-order", created_at = 1_700_000_000, id = contactId, metadata = new { note = markers["event_metadata"] } });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        return (contactId, conversationId);
    }

    /// <summary>Every answer the API gives about the workspace's people and conversations, whatever its status.</summary>
    private static async Task<string> EverythingTheApiShowsAsync(HttpClient api, params string[] ids)
    {
        var shown = new StringBuilder();
        foreach (var path in (string[])["contacts?per_page=150", "conversations?per_page=150"])
        {
            shown.Append(await (await api.GetAsync(path)).Content.ReadAsStringAsync());
        }

        foreach (var id in ids)
        {
            foreach (var path in (string[])[$"contacts/{id}", $"conversations/{id}", $"contacts/{id}/notes", $"events?type=user&intercom_user_id={id}"])
            {
                shown.Append(await (await api.GetAsync(path)).Content.ReadAsStringAsync());
            }
        }

        return shown.ToString();
    }

    private static async Task<string> EverythingTheWebAppShowsAsync(TestServer server, TestWorkspace workspace, params string[] conversations)
    {
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var shown = new StringBuilder(await browser.HtmlAsync("app/inbox?state=all"));
        foreach (var id in conversations)
        {
            shown.Append(await (await browser.GetAsync($"app/inbox/{id}")).Content.ReadAsStringAsync());
        }

        return shown.ToString();
    }

    private static void AssertAllFound(CanaryMarkers markers, string text, string where)
    {
        var missing = markers.All.Where(m => !text.Contains(m.Value, StringComparison.Ordinal)).Select(m => m.Key).ToList();
        Assert.True(missing.Count == 0, $"Not shown by {where}: {string.Join(", ", missing)}");
    }

    private static void AssertNoneFound(CanaryMarkers markers, byte[] bytes, string where)
    {
        var found = (
            from marker in markers.All
            from encoding in CanaryMarkers.Encodings(marker.Value)
            where bytes.AsSpan().IndexOf(encoding.Bytes) >= 0
            select $"{marker.Key} as {encoding.Name}").ToList();
        Assert.True(found.Count == 0, $"The erased subject found in {where}: {string.Join("; ", found)}");
    }
}
