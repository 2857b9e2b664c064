using System.Net;
using Confide.Crypto;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Crypto;

/// <summary>
/// Erasing a contact destroys their key, which is kept outside the cell database: a backup of
/// the database taken before the erasure, restored afterwards, still cannot reveal them, while
/// everyone else in it reads normally.
/// </summary>
public sealed class CryptoShreddingTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task ErasedContact_StaysUnreadableInABackupTakenBeforeTheErasure(string provider)
    {
        await servers.GetAsync(provider); // skips or fails like every provider test when PostgreSQL is absent
        var data = Directory.CreateTempSubdirectory("confide-shred-").FullName;
        var databases = new List<string>();
        try
        {
            string? postgres = null;
            if (Providers.IsPostgres(provider))
            {
                postgres = await TestPostgres.CreateDatabaseAsync();
                databases.Add(postgres);
            }

            TestWorkspace workspace;
            string erased, erasedConversation, kept, keptConversation, backupFile = Path.Combine(data, "backup.db"), dump = "";
            byte[] erasedWrappedKey;
            await using (var server = await TestServer.StartAsync(provider, data, postgres))
            {
                if (server.KeyStorePostgresConnectionString is { } keyStore)
                {
                    databases.Add(keyStore);
                }

                workspace = await server.CreateWorkspaceAsync(Region.Eu);
                using var client = workspace.Client();
                (erased, erasedConversation) = await ContactWithConversationAsync(client, "erase-me@example.com");
                (kept, keptConversation) = await ContactWithConversationAsync(client, "keep-me@example.com");
                var store = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
                erasedWrappedKey = (await store.GetAsync(workspace.Id, erased, CancellationToken.None)).Single().WrappedKey;

                // The backup, taken while the server runs.
                if (Providers.IsPostgres(provider))
                {
                    dump = await TestPostgres.DumpAsync(postgres!);
                }
                else
                {
                    await using var connection = new SqliteConnection(server.Cell(Region.Eu).ConnectionString);
                    await connection.OpenAsync();
                    await using var vacuum = connection.CreateCommand();
                    vacuum.CommandText = $"VACUUM INTO '{backupFile}'";
                    await vacuum.ExecuteNonQueryAsync();
                }

                var deleted = await (await client.DeleteAsync($"contacts/{erased}")).JsonAsync();
                Assert.True(deleted.GetProperty("deleted").GetBoolean());
                await (await client.GetAsync($"contacts/{erased}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
                Assert.Empty(await store.GetAsync(workspace.Id, erased, CancellationToken.None));
            }

            // No copy of the destroyed key lingers in the key store's files.
            foreach (var file in Directory.EnumerateFiles(Path.Combine(data, "keys"), "contact-keys.db*", SearchOption.AllDirectories))
            {
                Assert.True((await EncryptionAtRestTests.ReadSharedAsync(file)).AsSpan().IndexOf(erasedWrappedKey) < 0, $"the destroyed key is still in {Path.GetFileName(file)}");
            }

            // Restore the backup in place of the current database.
            SqliteConnection.ClearAllPools();
            if (Providers.IsPostgres(provider))
            {
                postgres = await TestPostgres.RestoreAsync(dump);
                databases.Add(postgres);
            }
            else
            {
                var live = Path.Combine(data, "regions", "eu", "confide.db");
                File.Copy(backupFile, live, overwrite: true);
                File.Delete(live + "-wal");
                File.Delete(live + "-shm");
            }

            await using (var restored = await TestServer.StartAsync(provider, data, postgres))
            {
                using var client = restored.Client(Region.Eu, workspace.Token);
                await (await client.GetAsync($"contacts/{erased}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
                await (await client.GetAsync($"conversations/{erasedConversation}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
                Assert.Equal("keep-me@example.com", (await (await client.GetAsync($"contacts/{kept}")).JsonAsync()).Str("email"));
                var thread = await (await client.GetAsync($"conversations/{keptConversation}")).JsonAsync();
                Assert.Equal("Hello from keep-me@example.com", thread.GetProperty("source").Str("body"));

                // Lists skip the erased contact's rows; deleting it again removes them.
                var listed = await (await client.GetAsync("contacts")).JsonAsync();
                Assert.Equal([kept], listed.GetProperty("data").EnumerateArray().Select(c => c.Str("id")));
                var conversations = await (await client.GetAsync("conversations")).JsonAsync();
                Assert.Equal([keptConversation], conversations.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")));
                Assert.True((await (await client.DeleteAsync($"contacts/{erased}")).JsonAsync()).GetProperty("deleted").GetBoolean());
                await (await client.GetAsync($"contacts/{erased}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
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
        }
    }

    [Theory, MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task ShreddingAWorkspace_MakesAllItsContactsUnreadable_AndNoOtherWorkspaces(string provider)
    {
        var server = await servers.GetAsync(provider);
        var doomed = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var doomedClient = doomed.Client();
        using var otherClient = other.Client();
        var (first, _) = await ContactWithConversationAsync(doomedClient, "one@example.com");
        var (second, _) = await ContactWithConversationAsync(doomedClient, "two@example.com");
        var (survivor, _) = await ContactWithConversationAsync(otherClient, "one@example.com");

        var destroyed = await server.Services.GetRequiredService<ContactKeyRing>().ShredAsync(Region.Eu, doomed.Id, contactId: null, CancellationToken.None);

        Assert.Equal(2, destroyed);
        await (await doomedClient.GetAsync($"contacts/{first}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
        await (await doomedClient.GetAsync($"contacts/{second}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
        Assert.Equal("one@example.com", (await (await otherClient.GetAsync($"contacts/{survivor}")).JsonAsync()).Str("email"));
    }

    [Fact]
    public async Task MissingContactKeyStore_StopsTheRegionInsteadOfServingUnreadableContacts()
    {
        var data = Directory.CreateTempSubdirectory("confide-keystore-").FullName;
        try
        {
            await using (var server = await TestServer.StartAsync(Providers.Sqlite, data))
            {
                var workspace = await server.CreateWorkspaceAsync(Region.Eu);
                using var client = workspace.Client();
                await ContactWithConversationAsync(client, "someone@example.com");
            }

            SqliteConnection.ClearAllPools();
            var store = Path.Combine(data, "keys", "eu", "contact-keys.db");
            foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(store)!, "contact-keys.db*"))
            {
                File.Delete(file);
            }

            var failure = await Assert.ThrowsAsync<MasterKeyUnavailableException>(() => TestServer.StartAsync(Providers.Sqlite, data));
            Assert.Contains("Region 'eu'", failure.Message, StringComparison.Ordinal);
            Assert.Contains(store, failure.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(store), "a missing key store must not be silently recreated");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<(string ContactId, string ConversationId)> ContactWithConversationAsync(HttpClient client, string email)
    {
        var contact = (await (await client.PostJsonAsync("contacts", new { email, name = email.Split('@')[0] })).JsonAsync()).Str("id");
        var conversation = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body = $"Hello from {email}" })).JsonAsync()).Str("conversation_id");
        return (contact, conversation);
    }
}
