using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Npgsql;

namespace Confide.Tests.Data;

/// <summary>
/// Upgrades keep data. Migrations are append-only from the first release on, and a database
/// written by the last release must come up under this build with every record still readable
/// and writable. The fixture (tests/Confide.Tests/Data/Upgrade/) is a real eu region as the last
/// release left it: its database (a SQLite file, or a plain pg_dump), its master key and its
/// contact key store, with the ids and values the test reads back. Recording a new fixture at a
/// release: <c>CONFIDE_UPDATE_UPGRADE_FIXTURE=1</c> (docs/testing.md).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UpgradeTests
{
    private static string FixtureRoot => Path.Combine(Checkout.Root(), "tests", "Confide.Tests", "Data", "Upgrade");

    [Fact]
    public void Migrations_AreAppendOnlyAfterRelease()
    {
        var released = ReleasedMigrations.Read();
        Assert.NotEmpty(released);
        foreach (var provider in new[] { Providers.Sqlite, Providers.Postgres })
        {
            var shipped = released.Where(e => e.Provider == provider).ToList();
            var compiled = ReleasedMigrations.Compiled(provider);
            Assert.True(shipped.Count > 0, $"No released migration is listed for {provider}.");

            // Released migrations come first, in order, none removed or renamed…
            Assert.Equal(shipped.Select(e => e.Id), compiled.Take(shipped.Count));

            // …and none edited since its release.
            foreach (var entry in shipped)
            {
                Assert.True(
                    ReleasedMigrations.HashOf(provider, entry.Id) == entry.Sha256,
                    $"{provider} migration {entry.Id} was released and must not change: add a new migration instead.");
            }
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Upgrade_FromLastRelease_KeepsEveryRecordReadableAndWritable(string provider)
    {
        TestPostgres.RequireFor(provider);

        var fixture = Path.Combine(FixtureRoot, provider);
        if (Environment.GetEnvironmentVariable("CONFIDE_UPDATE_UPGRADE_FIXTURE") == "1")
        {
            await UpgradeFixture.RecordAsync(provider, fixture);
        }

        var manifest = UpgradeFixture.Manifest.Read(fixture);
        Assert.True(
            manifest.Migration == ReleasedMigrations.Last(provider),
            $"The upgrade fixture was recorded at {manifest.Migration}, but the last released {provider} migration is {ReleasedMigrations.Last(provider)}: record it again at the release.");

        var dataDirectory = Directory.CreateTempSubdirectory("confide-upgrade-").FullName;
        string? postgres = null;
        try
        {
            postgres = await UpgradeFixture.RestoreAsync(provider, fixture, dataDirectory);
            await using var server = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres);
            using var client = server.Client(Region.Eu, manifest.Token);

            var contact = await (await client.GetAsync($"contacts/{manifest.ContactId}")).JsonAsync();
            Assert.Equal(manifest.ContactEmail, contact.Str("email"));
            Assert.Equal(manifest.ContactName, contact.Str("name"));

            var conversation = await (await client.GetAsync($"conversations/{manifest.ConversationId}")).JsonAsync();
            Assert.Equal(manifest.ContactMessage, conversation.GetProperty("source").Str("body"));
            var parts = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts").EnumerateArray().Select(p => p.Str("body")).ToList();
            Assert.Contains(manifest.AdminReply, parts);

            var notes = await (await client.GetAsync($"contacts/{manifest.ContactId}/notes")).JsonAsync();
            Assert.Equal(manifest.Note, notes.GetProperty("data")[0].Str("body"));
            var tags = await (await client.GetAsync($"contacts/{manifest.ContactId}/tags")).JsonAsync();
            Assert.Equal(manifest.Tag, tags.GetProperty("data")[0].Str("name"));

            // The upgraded region takes new writes under the old keys.
            await (await client.PostJsonAsync($"conversations/{manifest.ConversationId}/reply", new { message_type = "comment", type = "user", intercom_user_id = manifest.ContactId, body = "After the upgrade" })).JsonAsync();
            var found = await (await client.PostJsonAsync("contacts/search", new { query = new { field = "email", @operator = "=", value = manifest.ContactEmail } })).JsonAsync();
            Assert.Equal(manifest.ContactId, found.GetProperty("data")[0].Str("id"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (postgres is not null)
            {
                await TestPostgres.DropDatabaseAsync(postgres);
            }

            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}

/// <summary>Records and restores the upgrade fixture of <see cref="UpgradeTests"/>.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class UpgradeFixture
{
    /// <summary>What the fixture holds and what the test expects to read back (all invented test data).</summary>
    public sealed record Manifest(
        string Migration, string Token, string WorkspaceId, string ContactId, string ContactEmail, string ContactName,
        string ConversationId, string ContactMessage, string AdminReply, string Note, string Tag)
    {
        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        public static Manifest Read(string fixture) =>
            JsonSerializer.Deserialize<Manifest>(File.ReadAllText(Path.Combine(fixture, "manifest.json")), Json)!;

        public void Write(string fixture) =>
            File.WriteAllText(Path.Combine(fixture, "manifest.json"), JsonSerializer.Serialize(this, Json) + "\n");
    }

    /// <summary>The files of a data directory that hold the eu region's state (us and au start empty).</summary>
    private static readonly string[] RegionFiles = ["keys/eu/master.key", "keys/eu/contact-keys.db", "keys/data-protection.key"];

    public static async Task RecordAsync(string provider, string fixture)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("confide-upgrade-record-").FullName;
        var postgres = provider == Providers.Postgres ? await TestPostgres.CreateDatabaseAsync() : null;
        try
        {
            Manifest manifest;
            await using (var server = await TestServer.StartAsync(provider, existingDataDirectory: dataDirectory, existingPostgres: postgres))
            {
                var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Upgrade fixture", "owner@upgrade.example");
                using var client = workspace.Client();
                var contactId = (await (await client.PostJsonAsync("contacts", new { email = "ada@upgrade.example", name = "Ada Upgrade", phone = "+15550100" })).JsonAsync()).Str("id");
                var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Written before the upgrade" })).JsonAsync()).Str("conversation_id");
                await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "Answered before the upgrade" })).JsonAsync();
                await (await client.PostJsonAsync($"contacts/{contactId}/notes", new { body = "Noted before the upgrade", admin_id = workspace.OwnerId })).JsonAsync();
                var tagId = (await (await client.PostJsonAsync("tags", new { name = "Upgraded" })).JsonAsync()).Str("id");
                await (await client.PostJsonAsync($"contacts/{contactId}/tags", new { id = tagId })).JsonAsync();
                manifest = new(
                    ReleasedMigrations.Compiled(provider)[^1], workspace.Token, workspace.Id, contactId, "ada@upgrade.example", "Ada Upgrade",
                    conversationId, "Written before the upgrade", "Answered before the upgrade", "Noted before the upgrade", "Upgraded");
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(fixture))
            {
                Directory.Delete(fixture, recursive: true);
            }

            Directory.CreateDirectory(fixture);
            var files = provider == Providers.Sqlite ? [.. RegionFiles, "regions/eu/confide.db"] : RegionFiles;
            foreach (var file in files)
            {
                var source = Path.Combine(dataDirectory, file);
                if (source.EndsWith(".db", StringComparison.Ordinal))
                {
                    await CompactAsync(source);
                }

                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(fixture, file))!);
                File.Copy(source, Path.Combine(fixture, file));
            }

            if (postgres is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(fixture, "eu.sql"), await DumpAsync(postgres));
            }

            manifest.Write(fixture);
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

    /// <summary>Puts the fixture's files into a fresh data directory; for PostgreSQL, loads its dump into a fresh database and returns its connection string.</summary>
    public static async Task<string?> RestoreAsync(string provider, string fixture, string dataDirectory)
    {
        foreach (var source in Directory.EnumerateFiles(fixture, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(fixture, source);
            if (relative is "manifest.json" or "eu.sql")
            {
                continue;
            }

            var target = Path.Combine(dataDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            // A checkout leaves files world-readable; key files are refused unless 0600, as Confide writes them.
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (provider != Providers.Postgres)
        {
            return null;
        }

        var postgres = await TestPostgres.CreateDatabaseAsync();
        // psql's meta-commands (\restrict and the like) are not SQL; everything else is.
        var script = string.Join('\n', File.ReadAllLines(Path.Combine(fixture, "eu.sql")).Where(line => !line.StartsWith('\\')));
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(script, connection);
        await command.ExecuteNonQueryAsync();
        return postgres;
    }

    /// <summary>Folds the WAL into the file and drops free pages, so the fixture is one small file.</summary>
    private static async Task CompactAsync(string database)
    {
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA journal_mode=DELETE;";
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<string> DumpAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new System.Diagnostics.ProcessStartInfo("pg_dump")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--inserts", "--no-owner", "--no-privileges", "--no-comments", "--dbname", $"host={builder.Host} port={builder.Port} user={builder.Username} dbname={builder.Database} sslmode=verify-full sslrootcert={builder.RootCertificate}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = builder.Password;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_dump failed: {await error}");
        return await output;
    }
}
