using System.Net;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Crypto;

/// <summary>
/// The contact key store on a PostgreSQL database of its own (ADR 0016): several processes of a
/// region share it without numbering a version twice or slipping past a rotation's fence; a
/// second server reads the contacts the first created and sees their erasure; the cell's dump
/// never holds a contact key; and a region moved from its local key file refuses to start until
/// <c>keys move-store</c> moved every key.
/// </summary>
public sealed class PostgresKeyStoreTests(Servers servers)
{
    [Fact]
    public async Task TwoProcessesAddingVersionsOfOneContact_NeverNumberAVersionTwice_NorReserveAUseTwice()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            // Two opens race on creating the schema, like two processes starting together.
            var stores = await Task.WhenAll(
                PostgresContactKeyStore.OpenAsync(Region.Eu, database, CancellationToken.None),
                PostgresContactKeyStore.OpenAsync(Region.Eu, database, CancellationToken.None));
            using var dataKey = DataKey.Generate();
            var adds = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
            {
                using var key = DataKey.Generate();
                var wrapped = FieldCipher.Encrypt(dataKey, ContactKeyRing.WrapContext(Region.Eu, "ws", "contact"), key.Material);
                Assert.True(await stores[i % 2].AddAsync("ws", "contact", key.Id, wrapped, DateTimeOffset.UtcNow, CancellationToken.None));
                return key.Id;
            }));
            var added = await Task.WhenAll(adds);

            var stored = await stores[0].GetAsync("ws", "contact", CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, 40).Reverse(), stored.Select(k => k.Version));
            Assert.Equal(added.Order(), stored.Select(k => k.KeyId).Order());

            var reservations = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => stores[i % 2].Reserve(added[0], 100))));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (i * 100L, (i + 1) * 100L)), reservations.OrderBy(r => r.From));
            Assert.Throws<ContactErasedException>(() => stores[1].Reserve(Guid.NewGuid(), 1));
            Assert.Equal((40L, 2000L), await stores[1].CountAsync(CancellationToken.None));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task TheRetiringFence_RefusesEveryAddItDidNotWaitFor()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var marking = await PostgresContactKeyStore.OpenAsync(Region.Eu, database, CancellationToken.None);
            var adding = await PostgresContactKeyStore.OpenAsync(Region.Eu, database, CancellationToken.None);
            using var retiring = DataKey.Generate();
            using var stop = new CancellationTokenSource();
            var results = new System.Collections.Concurrent.ConcurrentBag<(string Contact, bool Added)>();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var contact = $"c{w}-{i}";
                    using var key = DataKey.Generate();
                    var wrapped = FieldCipher.Encrypt(retiring, ContactKeyRing.WrapContext(Region.Eu, "ws", contact), key.Material);
                    results.Add((contact, await adding.AddAsync("ws", contact, key.Id, wrapped, DateTimeOffset.UtcNow, CancellationToken.None)));
                }
            })).ToList();

            await Task.Delay(300);
            await marking.MarkRetiringAsync([retiring.Id], DateTimeOffset.UtcNow, CancellationToken.None);
            // The rotation's scan, right after the mark: every add that will ever succeed is in it.
            var scanned = (await marking.ListAsync("ws", CancellationToken.None)).Select(k => k.ContactId).ToHashSet();
            await Task.Delay(300);
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            var succeeded = results.Where(r => r.Added).Select(r => r.Contact).ToHashSet();
            Assert.NotEmpty(succeeded);
            Assert.Contains(results, r => !r.Added);
            Assert.Equal(succeeded.Order(StringComparer.Ordinal), scanned.Order(StringComparer.Ordinal));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task ASecondServer_ReadsTheContactsTheFirstCreated_AndSeesTheirErasure()
    {
        var first = await servers.GetAsync(Providers.PostgresKeyStore);
        var second = await SecondServerAsync(first);
        try
        {
            var workspace = await first.CreateWorkspaceAsync(Region.Eu);
            using var viaFirst = workspace.Client();
            using var viaSecond = second.Client(Region.Eu, workspace.Token);
            var kept = (await (await viaFirst.PostJsonAsync("contacts", new { email = "kept@example.com" })).JsonAsync()).Str("id");
            var erased = (await (await viaFirst.PostJsonAsync("contacts", new { email = "erased@example.com" })).JsonAsync()).Str("id");
            var shredded = (await (await viaSecond.PostJsonAsync("contacts", new { email = "shredded@example.com" })).JsonAsync()).Str("id");

            Assert.Equal("kept@example.com", (await (await viaSecond.GetAsync($"contacts/{kept}")).JsonAsync()).Str("email"));
            Assert.Equal("erased@example.com", (await (await viaSecond.GetAsync($"contacts/{erased}")).JsonAsync()).Str("email"));
            Assert.Equal("shredded@example.com", (await (await viaFirst.GetAsync($"contacts/{shredded}")).JsonAsync()).Str("email"));

            // Erased through the first, the second no longer serves it.
            Assert.True((await (await viaFirst.DeleteAsync($"contacts/{erased}")).JsonAsync()).GetProperty("deleted").GetBoolean());
            var after = await viaSecond.GetAsync($"contacts/{erased}");
            Assert.True(after.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone, $"got {after.StatusCode}");

            // A key destroyed by one process while another holds it cached: a notice evicts it there at once.
            var secondKeys = second.Services.GetRequiredService<ContactKeyRing>();
            await secondKeys.ForContactAsync(second.Cell(Region.Eu), workspace.Id, shredded, CancellationToken.None);
            await first.Services.GetRequiredService<ContactKeyRing>().ShredAsync(Region.Eu, workspace.Id, shredded, CancellationToken.None);
            secondKeys.Evict(Region.Eu, workspace.Id, shredded);
            await Assert.ThrowsAsync<ContactErasedException>(async () => await secondKeys.ForContactAsync(second.Cell(Region.Eu), workspace.Id, shredded, CancellationToken.None));
            await (await viaSecond.GetAsync($"contacts/{shredded}")).ErrorAsync(HttpStatusCode.Gone, "contact_erased");
            Assert.Equal("kept@example.com", (await (await viaSecond.GetAsync($"contacts/{kept}")).JsonAsync()).Str("email"));
        }
        finally
        {
            await second.DisposeAsync();
            Directory.Delete(second.DataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task AProcessSeesAnotherProcesssNewVersionOrErasure_OnceItsCachedListIsOlderThanTheFreshnessBound()
    {
        var server = await servers.GetAsync(Providers.PostgresKeyStore);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = (await (await client.PostJsonAsync("contacts", new { email = "fresh@example.com" })).JsonAsync()).Str("id");
        var cell = server.Cell(Region.Eu);
        var options = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConfideOptions>>();
        var masterKeys = server.Services.GetRequiredService<MasterKeys>();
        var clock = new ShiftedClock();
        using var firstWorkspaceKeys = new WorkspaceKeyRing(masterKeys, clock);
        using var first = new ContactKeyRing(firstWorkspaceKeys, options, clock);
        using var secondWorkspaceKeys = new WorkspaceKeyRing(masterKeys, TimeProvider.System);
        using var second = new ContactKeyRing(secondWorkspaceKeys, options, TimeProvider.System);
        var original = (await first.ForContactAsync(cell, workspace.Id, contact, CancellationToken.None)).CurrentKeyId;

        var added = await second.AddVersionAsync(cell, workspace.Id, contact, CancellationToken.None);
        Assert.Equal(original, (await first.ForContactAsync(cell, workspace.Id, contact, CancellationToken.None)).CurrentKeyId);
        clock.Advance(ContactKeyRing.VersionFreshness);
        Assert.Equal(added.Id, (await first.ForContactAsync(cell, workspace.Id, contact, CancellationToken.None)).CurrentKeyId);

        await second.ShredAsync(Region.Eu, workspace.Id, contact, CancellationToken.None);
        clock.Advance(ContactKeyRing.VersionFreshness);
        await Assert.ThrowsAsync<ContactErasedException>(async () => await first.ForContactAsync(cell, workspace.Id, contact, CancellationToken.None));
    }

    [Fact]
    public async Task TheCellsDump_HoldsNoContactKey_TheKeyStoresDoes()
    {
        var server = await servers.GetAsync(Providers.PostgresKeyStore);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contact = (await (await client.PostJsonAsync("contacts", new { email = "dumped@example.com" })).JsonAsync()).Str("id");
        var store = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
        Assert.Equal("postgresql", store.Backend);
        var wrapped = Assert.Single(await store.GetAsync(workspace.Id, contact, CancellationToken.None)).WrappedKey;

        var storage = await RawStorage.ReadAsync(server);

        Assert.Equal([RawStorage.KeyStoreDump], storage.Holding(wrapped));
        Assert.DoesNotContain(storage.Sources, s => s.StartsWith("keys/eu/contact-keys.db", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARegionMovedToAPostgresKeyStore_RefusesToStartUntilMoveStoreMovedEveryKey()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var data = Directory.CreateTempSubdirectory("confide-move-store-").FullName;
        var cell = await TestPostgres.CreateDatabaseAsync();
        var keyStore = await TestPostgres.CreateDatabaseAsync();
        try
        {
            TestWorkspace workspace;
            string contact;
            long keys;
            await using (var server = await TestServer.StartAsync(Providers.Postgres, data, cell))
            {
                workspace = await server.CreateWorkspaceAsync(Region.Eu);
                using var client = workspace.Client();
                contact = (await (await client.PostJsonAsync("contacts", new { email = "moved@example.com" })).JsonAsync()).Str("id");
                await (await client.PostJsonAsync("contacts", new { email = "also-moved@example.com" })).JsonAsync();
                var store = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
                Assert.Equal("sqlite", store.Backend);
                await store.MarkRetiringAsync([Guid.NewGuid()], DateTimeOffset.UtcNow, CancellationToken.None);
                (keys, _) = await store.CountAsync(CancellationToken.None);
            }

            SqliteConnection.ClearAllPools();
            string[] settings = [$"--Confide:Regions:eu:KeyStore:Postgres={keyStore}"];
            var file = Path.Combine(data, "keys", "eu", "contact-keys.db");
            var refused = await Assert.ThrowsAsync<MasterKeyUnavailableException>(() => TestServer.StartAsync(Providers.Postgres, data, cell, settings: settings));
            Assert.Contains("confide keys move-store --region eu", refused.Message, StringComparison.Ordinal);
            Assert.Contains(file, refused.Message, StringComparison.Ordinal);

            var moved = await ContactKeyStoreMove.MoveAsync(Region.Eu, file, keyStore, CancellationToken.None);

            Assert.Equal((keys, 1), (moved.Keys, moved.Marks));
            Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(file)!, "contact-keys.db*"));
            await using (var server = await TestServer.StartAsync(Providers.Postgres, data, cell, settings: settings))
            {
                using var client = server.Client(Region.Eu, workspace.Token);
                Assert.Equal("moved@example.com", (await (await client.GetAsync($"contacts/{contact}")).JsonAsync()).Str("email"));
                var store = await server.Services.GetRequiredService<ContactKeyRing>().StoreAsync(Region.Eu);
                Assert.Equal(("postgresql", keys), (store.Backend, (await store.CountAsync(CancellationToken.None)).Keys));
            }

            Assert.False(File.Exists(file), "a region on a PostgreSQL key store must not recreate the local file");

            // A key store that is missing (an empty database named by mistake) stops the region like a missing file.
            var empty = await TestPostgres.CreateDatabaseAsync();
            try
            {
                var missing = await Assert.ThrowsAsync<MasterKeyUnavailableException>(() => TestServer.StartAsync(Providers.Postgres, data, cell, settings: [$"--Confide:Regions:eu:KeyStore:Postgres={empty}"]));
                Assert.Contains("is missing, but the database holds contacts", missing.Message, StringComparison.Ordinal);
            }
            finally
            {
                await TestPostgres.DropDatabaseAsync(empty);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cell);
            await TestPostgres.DropDatabaseAsync(keyStore);
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task KeysMoveStore_ThroughTheCli_LetsTheRegionStartOnThePostgresKeyStore_AndKeysStatusSaysSo()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var cell = await TestPostgres.CreateDatabaseAsync();
        var keyStore = await TestPostgres.CreateDatabaseAsync();
        try
        {
            using var server = new ServerProcess(cell);
            await server.StartAsync();
            var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Moving", "owner@example.com");
            using (var client = server.ClientFor(Region.Eu, workspace.Str("access_token")))
            {
                await (await client.PostJsonAsync("contacts", new { email = "cli-moved@example.com" })).JsonAsync();
            }

            await server.StopAsync();
            server.Configure("Confide:Regions:eu:KeyStore:Postgres", keyStore);
            var (refusedExit, refusedOutput) = await server.StartExpectingFailureAsync();
            Assert.NotEqual(0, refusedExit);
            Assert.Contains("confide keys move-store --region eu", refusedOutput, StringComparison.Ordinal);

            var (exit, output, error) = await server.RunCliAsync("keys", "move-store", "--region", "eu");
            Assert.True(exit == 0, error);
            Assert.Contains("eu: moved 1 contact key(s)", output, StringComparison.Ordinal);
            if (new Npgsql.NpgsqlConnectionStringBuilder(keyStore).Password is { Length: > 0 } password)
            {
                Assert.DoesNotContain(password, output, StringComparison.Ordinal);
            }

            var eu = (await server.RunCliJsonAsync("keys", "status", "--region", "eu", "--json")).EnumerateArray().Single();
            Assert.Equal("postgresql", eu.Str("contact_key_store"));
            Assert.Equal(1, eu.GetProperty("contact_keys").GetInt64());
            Assert.False(File.Exists(Path.Combine(server.DataDirectory, "keys", "eu", "contact-keys.db")));
            await server.StartAsync();
            await server.StopAsync();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(cell);
            await TestPostgres.DropDatabaseAsync(keyStore);
        }
    }

    /// <summary>
    /// Another process of the same deployment: its own data directory (so nothing local is
    /// shared) holding the same eu master key (and the key that wraps data-protection keys, as an
    /// operator installs them on every node), the same cell and the same key-store database.
    /// </summary>
    private static async Task<TestServer> SecondServerAsync(TestServer first)
    {
        var data = Directory.CreateTempSubdirectory("confide-second-").FullName;
        Directory.CreateDirectory(Path.Combine(data, "keys", "eu"));
        foreach (var key in (string[])[Path.Combine("keys", "eu", "master.key"), Path.Combine("keys", "data-protection.key")])
        {
            if (File.Exists(Path.Combine(first.DataDirectory, key)))
            {
                File.Copy(Path.Combine(first.DataDirectory, key), Path.Combine(data, key));
            }
        }

        return await TestServer.StartAsync(
            Providers.Postgres,
            data,
            first.PostgresConnectionString,
            settings: [$"--Confide:Regions:eu:KeyStore:Postgres={first.KeyStorePostgresConnectionString}"]);
    }
}
