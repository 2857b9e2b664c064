using System.Diagnostics;
using Confide.Crypto;
using Confide.Crypto.Backups;
using Confide.Data;
using Confide.Data.Backups;
using Confide.Messaging;
using Confide.Platform;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Server.Backups;

/// <summary>
/// <c>confide restore-drill</c>: proves a backup pair restores, without touching the live
/// region. Both backups are unsealed into a scratch instance (a temporary directory for SQLite,
/// new databases beside the live ones for PostgreSQL); its row counts must equal the manifests';
/// every contact, conversation part and note must decrypt; and every contact erased since the
/// backup — absent from the live cell or still being purged — has its keys destroyed in the
/// scratch key store, as a real restore must, and must then be unreadable. Erasure receipts
/// written since the backup are checked too: none of the key versions they name may survive.
/// </summary>
internal sealed class RestoreDrill(string[] configuration, ConfideOptions options, CellDatabase live)
{
    public sealed record CountCheck(string Table, long Backup, long Restored);

    public sealed record Report(
        string Region,
        string BackupId,
        DateTimeOffset BackupCreatedAt,
        string CellProvider,
        string KeyStoreProvider,
        IReadOnlyList<CountCheck> Counts,
        long Contacts,
        long ContactsReadable,
        long PartsDecrypted,
        long NotesDecrypted,
        long ErasedSinceBackup,
        long ErasedStillReadable,
        long ReceiptsSinceBackup,
        IReadOnlyList<string> Problems,
        bool Passed,
        double Seconds,
        string? KeptAt);

    public async Task<Report> RunAsync(BackupFiles.Found cellBackup, BackupFiles.Found keysBackup, bool keep, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var region = live.Region;
        var settings = options.For(region);
        var problems = new List<string>();
        var scratch = Directory.CreateTempSubdirectory("confide-restore-drill-").FullName;
        var suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        string? scratchCell = null, scratchKeys = null;
        // Every scratch database made, with the server it was made on, so a restore that fails half-way leaves none behind.
        var created = new List<(string Database, string Server)>();
        var keysServer = settings.KeyStore.Postgres is { Length: > 0 } keyStore ? keyStore : settings.Postgres;
        try
        {
            using (var masterKey = RegionBackup.OpenMasterKey(options, region))
            {
                scratchCell = await RestoreAsync(cellBackup, settings.Postgres, $"confide_drill_cell_{suffix}", CellRegistry.SqlitePath(ScratchOptions(scratch), region), masterKey.Provider, created, cancellationToken);
                scratchKeys = await RestoreAsync(keysBackup, keysServer, $"confide_drill_keys_{suffix}", ContactKeyRing.StorePath(ScratchOptions(scratch), region), masterKey.Provider, created, cancellationToken);
            }

            var counts = new List<CountCheck>();
            counts.AddRange(Compare(cellBackup.Manifest, scratchCell is null
                ? await DatabaseDump.CountSqliteAsync(CellRegistry.SqlitePath(ScratchOptions(scratch), region), DatabaseDump.CellTables, cancellationToken)
                : await DatabaseDump.CountPostgresAsync(scratchCell, DatabaseDump.CellTables, cancellationToken)));
            counts.AddRange(Compare(keysBackup.Manifest, scratchKeys is null
                ? await DatabaseDump.CountSqliteAsync(ContactKeyRing.StorePath(ScratchOptions(scratch), region), DatabaseDump.KeyStoreTables, cancellationToken)
                : await DatabaseDump.CountPostgresAsync(scratchKeys, DatabaseDump.KeyStoreTables, cancellationToken)));
            problems.AddRange(counts.Where(c => c.Backup != c.Restored).Select(c => $"{c.Table}: {c.Restored} rows restored, the backup counted {c.Backup}"));

            var check = await CheckScratchAsync(ScratchArguments(scratch, scratchCell, scratchKeys), cellBackup.Manifest.CreatedAt, problems, cancellationToken);
            return new Report(
                region.Code, cellBackup.Manifest.BackupId, cellBackup.Manifest.CreatedAt, cellBackup.Manifest.Provider, keysBackup.Manifest.Provider,
                counts, check.Contacts, check.Readable, check.Parts, check.Notes, check.Erased, check.ErasedReadable, check.Receipts,
                problems, problems.Count == 0, Math.Round(clock.Elapsed.TotalSeconds, 1),
                keep ? string.Join(", ", new[] { scratch, DatabaseName(scratchCell), DatabaseName(scratchKeys) }.OfType<string>()) : null);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (!keep)
            {
                foreach (var (database, server) in created)
                {
                    await DatabaseDump.DropDatabaseAsync(database, server, CancellationToken.None);
                }

                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>Unseals into a new database (PostgreSQL) or file (SQLite); returns the database's connection string, null for a file.</summary>
    private static async Task<string?> RestoreAsync(
        BackupFiles.Found backup, string? server, string scratchName, string sqlitePath, IMasterKeyProvider masterKey,
        List<(string Database, string Server)> created, CancellationToken cancellationToken)
    {
        async Task Unseal(Stream destination, CancellationToken ct)
        {
            await using var input = new FileStream(backup.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await BackupSeal.UnsealAsync(input, destination, masterKey, ct);
        }

        if (backup.Manifest.Provider == "sqlite")
        {
            await DatabaseDump.RestoreSqliteAsync(sqlitePath, Unseal, cancellationToken);
            return null;
        }

        if (server is not { Length: > 0 })
        {
            throw new InvalidOperationException(
                $"The {backup.Manifest.Kind} backup is a PostgreSQL dump, but the region has no PostgreSQL server configured to restore it beside (Confide:Regions:{backup.Manifest.Region}:Postgres).");
        }

        var database = await DatabaseDump.CreateDatabaseBesideAsync(server, scratchName, cancellationToken);
        created.Add((database, server));
        await DatabaseDump.RestorePostgresAsync(database, Unseal, cancellationToken);
        return database;
    }

    private static string? DatabaseName(string? connectionString) =>
        connectionString is null ? null : new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;

    private static IEnumerable<CountCheck> Compare(BackupManifest manifest, IReadOnlyDictionary<string, long> restored) =>
        manifest.Counts.Select(c => new CountCheck(c.Key, c.Value, restored.GetValueOrDefault(c.Key, -1)));

    private static ConfideOptions ScratchOptions(string scratch) => new() { DataDirectory = scratch };

    /// <summary>
    /// The live configuration, pointed at the scratch databases and serving only this region (the
    /// served list is de-duplicated, so naming the region in every slot replaces the live list).
    /// The master key stays where it is: the scratch directory gets no copy of it.
    /// </summary>
    private string[] ScratchArguments(string scratch, string? scratchCell, string? scratchKeys)
    {
        var region = live.Region.Code;
        var arguments = new List<string>(configuration)
        {
            $"--Confide:DataDirectory={scratch}",
            $"--Confide:Regions:{region}:Postgres={scratchCell ?? ""}",
            $"--Confide:Regions:{region}:KeyStore:Postgres={scratchKeys ?? ""}",
            $"--Confide:Regions:{region}:MasterKey:File={MasterKeys.KeyFilePath(options, live.Region)}",
            "--Confide:Retention:Schedule=false",
        };
        arguments.AddRange(Enumerable.Range(0, Region.All.Count).Select(i => $"--Confide:Serve:{i}={region}"));
        // No other region's database: shared state (data-protection keys, rate limits) would otherwise be the live one's.
        arguments.AddRange(Region.All.Where(r => r != live.Region).Select(r => $"--Confide:Regions:{r.Code}:Postgres="));
        return [.. arguments];
    }

    private sealed record Checked(long Contacts, long Readable, long Parts, long Notes, long Erased, long ErasedReadable, long Receipts);

    private async Task<Checked> CheckScratchAsync(string[] scratchArguments, DateTimeOffset backupCreatedAt, List<string> problems, CancellationToken cancellationToken)
    {
        var region = live.Region;
        HashSet<string> liveContacts, purging, liveWorkspaces, deletedWorkspaces;
        List<string> destroyedSince;
        await using (var db = live.CreateReadContext())
        {
            liveWorkspaces = [.. await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken)];
            deletedWorkspaces = [.. await db.WorkspaceDeletions.Select(d => d.WorkspaceId).ToListAsync(cancellationToken)];
            liveContacts = [.. await db.Contacts.Select(c => c.Id).ToListAsync(cancellationToken)];
            purging = [.. await db.PendingContactErasures.Select(p => p.ContactId).ToListAsync(cancellationToken)];
            // Receipts keep whole seconds: from the second the backup began (an earlier erasure in it is harmlessly checked too).
            var since = DateTimeOffset.FromUnixTimeSeconds(backupCreatedAt.ToUnixTimeSeconds());
            destroyedSince = await db.ErasureReceipts.Where(r => r.KeyDestroyedAt >= since).Select(r => r.DestroyedKeyIds).ToListAsync(cancellationToken);
        }

        await using var app = ConfideHost.CreateBuilder(scratchArguments).Build();
        var cell = app.Services.GetRequiredService<CellRegistry>().Get(region);
        await ConfideHost.PrepareCellAsync(app.Services, cell, cancellationToken);
        var keys = app.Services.GetRequiredService<ContactKeyRing>();

        await using var scratchDb = cell.CreateReadContext();
        var contacts = await scratchDb.Contacts.AsNoTracking().ToListAsync(cancellationToken);
        // A contact is erased since the backup when its workspace is live and the contact is gone
        // or being purged, or when its workspace was deleted. A workspace the live cell neither has
        // nor records as deleted says the live cell is not this backup's successor (a lost cell,
        // another deployment): nothing of it is forgotten on that basis, and the drill says so.
        var unknownWorkspaces = contacts.Select(c => c.WorkspaceId).Distinct()
            .Count(w => !liveWorkspaces.Contains(w) && !deletedWorkspaces.Contains(w));
        var erased = contacts.Where(c =>
            deletedWorkspaces.Contains(c.WorkspaceId)
            || (liveWorkspaces.Contains(c.WorkspaceId) && (!liveContacts.Contains(c.Id) || purging.Contains(c.Id)))).ToList();

        // What a real restore must do before it serves: forget again whoever was forgotten since the backup.
        foreach (var workspace in erased.GroupBy(c => c.WorkspaceId))
        {
            await keys.ShredManyAsync(region, workspace.Key, [.. workspace.Select(c => c.Id)], cancellationToken);
        }

        long readable = 0, erasedReadable = 0, unreadable = 0, failed = 0;
        var ciphers = new Dictionary<string, ContactCipher>(StringComparer.Ordinal);
        var erasedIds = erased.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var contact in contacts)
        {
            var cipher = await keys.TryForContactAsync(cell, contact.WorkspaceId, contact.Id, cancellationToken);
            if (erasedIds.Contains(contact.Id))
            {
                erasedReadable += cipher is null ? 0 : 1;
                continue;
            }

            if (cipher is null)
            {
                unreadable++;
                continue;
            }

            if (Opens(() => (cipher.Email(contact), cipher.Name(contact), cipher.Phone(contact), cipher.ExternalId(contact), cipher.CustomAttributes(contact))))
            {
                readable++;
                ciphers[contact.Id] = cipher;
            }
            else
            {
                failed++;
            }
        }

        var conversations = await scratchDb.Conversations.AsNoTracking().Select(c => new { c.Id, c.ContactId }).ToDictionaryAsync(c => c.Id, c => c.ContactId, cancellationToken);
        long parts = 0, partsFailed = 0;
        await foreach (var part in scratchDb.ConversationParts.AsNoTracking().Where(p => p.EncryptedBody != null).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (conversations.TryGetValue(part.ConversationId, out var contactId) && ciphers.TryGetValue(contactId, out var cipher))
            {
                if (Opens(() => cipher.Body(part)))
                {
                    parts++;
                }
                else
                {
                    partsFailed++;
                }
            }
        }

        long notes = 0, notesFailed = 0;
        await foreach (var note in scratchDb.Notes.AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (ciphers.TryGetValue(note.ContactId, out var cipher))
            {
                if (Opens(() => cipher.Body(note)))
                {
                    notes++;
                }
                else
                {
                    notesFailed++;
                }
            }
        }

        // Receipts name destroyed key versions: none may be back in the restored key store.
        var store = await keys.StoreAsync(region);
        var restoredKeyIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var workspace in contacts.Select(c => c.WorkspaceId).Distinct())
        {
            restoredKeyIds.UnionWith((await store.ListAsync(workspace, cancellationToken)).Select(k => k.KeyId.ToString()));
        }

        var resurrected = destroyedSince.SelectMany(ids => ids.Split(',', StringSplitOptions.RemoveEmptyEntries)).Count(restoredKeyIds.Contains);

        Note(problems, unknownWorkspaces, "workspaces of the backup are neither in the live cell nor recorded as deleted there: their erasures since the backup could not be replayed");
        Note(problems, unreadable, "contacts in the backup have no key in the key-store backup (were the two backups taken together?)");
        Note(problems, failed, "contacts have fields that do not decrypt");
        Note(problems, partsFailed, "conversation parts do not decrypt");
        Note(problems, notesFailed, "notes do not decrypt");
        Note(problems, erasedReadable, "contacts erased since the backup are still readable after the erasures were replayed");
        Note(problems, resurrected, "key versions named by erasure receipts since the backup are in the restored key store");
        return new Checked(contacts.Count, readable, parts, notes, erased.Count, erasedReadable, destroyedSince.Count);
    }

    private static bool Opens(Func<object?> open)
    {
        try
        {
            open();
            return true;
        }
        catch (CryptoIntegrityException)
        {
            return false;
        }
    }

    private static void Note(List<string> problems, long count, string what)
    {
        if (count > 0)
        {
            problems.Add($"{count} {what}");
        }
    }
}
