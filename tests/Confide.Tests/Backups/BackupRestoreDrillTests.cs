using System.Text;
using Confide.Platform;
using Confide.Server.Backups;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Backups;

/// <summary>
/// <c>confide backup</c> and <c>confide restore-drill</c> against a running server, on each
/// provider and key-store backend: a backup pair restores with its counts and every contact
/// readable; a contact erased after the backup is unreadable in the restored copy; a changed or
/// truncated backup is refused; key-store backups past their window are deleted; and neither
/// file holds a contact's data in the clear.
/// </summary>
public sealed class BackupRestoreDrillTests
{
    [Theory]
    [MemberData(nameof(Providers.WithKeyStores), MemberType = typeof(Providers))]
    public async Task ABackupPair_RestoresIntoScratch_WithItsCounts_AndAContactErasedSinceStaysUnreadable(string provider)
    {
        TestPostgres.RequireFor(provider);
        var cell = Providers.IsPostgres(provider) ? await TestPostgres.CreateDatabaseAsync() : null;
        var keyStore = provider == Providers.PostgresKeyStore ? await TestPostgres.CreateDatabaseAsync() : null;
        using var server = new ServerProcess(cell);
        if (keyStore is not null)
        {
            server.Configure("Confide:Regions:eu:KeyStore:Postgres", keyStore);
        }

        var backups = Directory.CreateTempSubdirectory("confide-backups-").FullName;
        var cells = Path.Combine(backups, "cells");
        var keys = Path.Combine(backups, "keys");
        try
        {
            await server.StartAsync();
            var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Backed up", "owner@example.com");
            using var client = server.ClientFor(Region.Eu, workspace.Str("access_token"));
            var contacts = new List<string>();
            foreach (var email in new[] { "kept-one@example.com", "kept-two@example.com", "erased-later@example.com" })
            {
                var contact = (await (await client.PostJsonAsync("contacts", new { email, name = "Backup Canary" })).JsonAsync()).Str("id");
                var conversation = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contact }, body = "A backed-up question" })).JsonAsync()).Str("conversation_id");
                await (await client.PostJsonAsync($"conversations/{conversation}/reply", new { message_type = "comment", type = "user", intercom_user_id = contact, body = "More detail" })).JsonAsync();
                await (await client.PostJsonAsync($"contacts/{contact}/notes", new { body = "A backed-up note" })).JsonAsync();
                contacts.Add(contact);
            }

            var backup = (await server.RunCliJsonAsync("backup", "--region", "eu", "--out", cells, "--keys-out", keys, "--json")).EnumerateArray().Single();
            var files = backup.GetProperty("files").EnumerateArray().ToList();
            Assert.Equal(["cell", "keys"], files.Select(f => f.Str("kind")));
            Assert.Equal(Providers.IsPostgres(provider) ? "postgresql" : "sqlite", files[0].Str("provider"));
            Assert.Equal(keyStore is null ? "sqlite" : "postgresql", files[1].Str("provider"));
            Assert.Equal(3, files[0].GetProperty("counts").GetProperty("Contacts").GetInt64());
            Assert.True(files[1].GetProperty("counts").GetProperty("contact_keys").GetInt64() >= 3);
            foreach (var file in files)
            {
                // Sealed: neither the data nor the contact ids nor SQLite's or pg_dump's own markers in the clear.
                var bytes = await File.ReadAllBytesAsync(file.Str("path"));
                foreach (var marker in new[] { "kept-one@example.com", "A backed-up question", contacts[0], "SQLite format", "PGDMP" })
                {
                    Assert.DoesNotContain(marker, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
                }
            }

            // After the backup: one contact erased through a privacy request (which leaves a receipt), one created (which the backup cannot have).
            var erasure = (await (await client.PostJsonAsync("confide/privacy_requests", new { kind = "erasure", received_via = "email", email = "erased-later@example.com" })).JsonAsync()).Str("id");
            foreach (var step in new[] { "verify", "start", "erase" })
            {
                await (await client.PostAsync($"confide/privacy_requests/{erasure}/{step}", null)).JsonAsync();
            }

            await Poll.UntilAsync(() => client.GetAsync($"confide/privacy_requests/{erasure}/receipt"), r => r.StatusCode == System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the erasure receipt");
            await (await client.PostJsonAsync("contacts", new { email = "after-backup@example.com" })).JsonAsync();

            var report = (await server.RunCliJsonAsync("restore-drill", "--region", "eu", "--from", cells, "--keys-from", keys, "--json")).EnumerateArray().Single();
            Assert.True(report.GetProperty("passed").GetBoolean(), string.Join("; ", report.GetProperty("problems").EnumerateArray().Select(p => p.GetString())));
            Assert.Equal(backup.Str("backup_id"), report.Str("backup_id"));
            Assert.All(report.GetProperty("counts").EnumerateArray(), c => Assert.Equal(c.GetProperty("backup").GetInt64(), c.GetProperty("restored").GetInt64()));
            Assert.Equal(3, report.GetProperty("contacts").GetInt64());
            Assert.Equal(2, report.GetProperty("contacts_readable").GetInt64());
            Assert.Equal(1, report.GetProperty("erased_since_backup").GetInt64());
            Assert.Equal(0, report.GetProperty("erased_still_readable").GetInt64());
            Assert.True(report.GetProperty("parts_decrypted").GetInt64() >= 4, report.ToString());
            Assert.Equal(2, report.GetProperty("notes_decrypted").GetInt64());
            Assert.Equal(1, report.GetProperty("receipts_since_backup").GetInt64());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, report.GetProperty("kept_at").ValueKind);

            var scratchBefore = await ScratchDatabasesAsync(cell);

            // A changed byte anywhere in the sealed key-store backup: refused, not restored.
            var keysFile = files[1].Str("path");
            var sealedBytes = await File.ReadAllBytesAsync(keysFile);
            sealedBytes[^40] ^= 0x01;
            await File.WriteAllBytesAsync(keysFile, sealedBytes);
            var (changed, _, changedError) = await server.RunCliAsync("restore-drill", "--region", "eu", "--from", cells, "--keys-from", keys);
            Assert.Equal(1, changed);
            Assert.Contains("does not authenticate", changedError, StringComparison.Ordinal);

            // Cut short: refused too.
            await File.WriteAllBytesAsync(keysFile, sealedBytes[..(sealedBytes.Length / 2)]);
            var (truncated, _, truncatedError) = await server.RunCliAsync("restore-drill", "--region", "eu", "--from", cells, "--keys-from", keys);
            Assert.Equal(1, truncated);
            Assert.Contains("cut short", truncatedError, StringComparison.Ordinal);

            // A drill that failed half-way (the cell restored, the key store refused) leaves no scratch database behind.
            Assert.Equal(scratchBefore, await ScratchDatabasesAsync(cell));
        }
        finally
        {
            await server.StopAsync();
            Directory.Delete(backups, recursive: true);
            if (cell is not null)
            {
                await TestPostgres.DropDatabaseAsync(cell);
            }

            if (keyStore is not null)
            {
                await TestPostgres.DropDatabaseAsync(keyStore);
            }
        }
    }

    private static async Task<long> ScratchDatabasesAsync(string? cell)
    {
        if (cell is null)
        {
            return 0;
        }

        await using var connection = new Npgsql.NpgsqlConnection(cell);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE 'confide_drill_%'", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task KeyStoreBackups_PastTheirWindow_AreDeleted_CellBackupsStay()
    {
        await using var server = await TestServer.StartAsync(Providers.Sqlite);
        await server.CreateWorkspaceAsync(Region.Eu);
        var backups = Directory.CreateTempSubdirectory("confide-backups-").FullName;
        var cells = Path.Combine(backups, "cells");
        var keys = Path.Combine(backups, "keys");
        try
        {
            var options = server.Services.GetRequiredService<IOptions<ConfideOptions>>().Value;
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-3));
            var old = await new RegionBackup(options, clock).RunAsync(Region.Eu, cells, keys, keepKeysDays: 2, CancellationToken.None);
            clock.Advance(TimeSpan.FromDays(1.5));
            var recent = await new RegionBackup(options, clock).RunAsync(Region.Eu, cells, keys, keepKeysDays: 2, CancellationToken.None);
            Assert.Empty(recent.PrunedKeyBackups);

            clock.Advance(TimeSpan.FromDays(1.5));
            var now = await new RegionBackup(options, clock).RunAsync(Region.Eu, cells, keys, keepKeysDays: 2, CancellationToken.None);

            // Three days old: past a two-day window. A day and a half old: kept. Cell backups are never pruned here.
            Assert.Equal([old.Files[1].Path], now.PrunedKeyBackups);
            Assert.Equal(
                new[] { recent.Files[1].Path, now.Files[1].Path }.Order(),
                Directory.EnumerateFiles(keys).Order());
            Assert.Equal(3, Directory.EnumerateFiles(cells, "*.backup").Count());
        }
        finally
        {
            Directory.Delete(backups, recursive: true);
        }
    }

    [Fact]
    public async Task OneDirectoryForBoth_AndAWindowOfZeroDays_AreRefused()
    {
        using var server = new ServerProcess();
        var backups = Directory.CreateTempSubdirectory("confide-backups-").FullName;
        try
        {
            var (same, _, sameError) = await server.RunCliAsync("backup", "--region", "eu", "--out", backups, "--keys-out", backups + "/");
            Assert.Equal(2, same);
            Assert.Contains("must be different directories", sameError, StringComparison.Ordinal);

            var (zero, _, zeroError) = await server.RunCliAsync("backup", "--region", "eu", "--out", Path.Combine(backups, "c"), "--keys-out", Path.Combine(backups, "k"), "--keep-keys-days", "0");
            Assert.Equal(2, zero);
            Assert.Contains("--keep-keys-days must be between 1 and 3650", zeroError, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(backups));
        }
        finally
        {
            Directory.Delete(backups, recursive: true);
        }
    }
}
