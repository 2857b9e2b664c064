using Confide.Data;
using Confide.Platform;
using Microsoft.Data.Sqlite;

namespace Confide.Crypto;

/// <summary>
/// The embedded contact key store: a small SQLite database beside the master key
/// (<c>data/keys/&lt;region&gt;/contact-keys.db</c>, 0600). Deleted keys are overwritten in place
/// (<c>secure_delete</c>) and the log is checkpointed, so no copy of a destroyed key lingers in
/// the file.
/// </summary>
public sealed class SqliteContactKeyStore : ContactKeyStore
{
    private const string Schema = """
        PRAGMA journal_mode=WAL;
        CREATE TABLE IF NOT EXISTS contact_keys (
            workspace_id TEXT NOT NULL,
            contact_id   TEXT NOT NULL,
            version      INTEGER NOT NULL,
            key_id       BLOB NOT NULL UNIQUE,
            wrapped_key  BLOB NOT NULL,
            created_at   INTEGER NOT NULL,
            uses_reserved INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (workspace_id, contact_id, version)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS retiring_data_keys (
            data_key_id BLOB PRIMARY KEY,
            since       INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    // Every connection: durable commits, and deleted rows zeroed instead of left in free pages.
    private const string ConnectionPragmas = "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA busy_timeout=30000;";

    private readonly string _connectionString;

    private SqliteContactKeyStore(Region region, string path)
        : base(region)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    public string Path { get; }

    public override string Backend => "sqlite";

    public override string Location => Path;

    /// <summary>Opens (creating on first use) the region's store; owner-only permissions like the master key.</summary>
    public static async Task<SqliteContactKeyStore> OpenAsync(Region region, string path, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        if (!File.Exists(path) && !OperatingSystem.IsWindows())
        {
            await using (File.Create(path, 0, FileOptions.None))
            {
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var store = new SqliteContactKeyStore(region, path);
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Schema;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // Stores created before use counts were persisted get the column.
        await using (var columns = connection.CreateCommand())
        {
            columns.CommandText = "SELECT count(*) FROM pragma_table_info('contact_keys') WHERE name = 'uses_reserved'";
            if ((long)(await columns.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                columns.CommandText = "ALTER TABLE contact_keys ADD COLUMN uses_reserved INTEGER NOT NULL DEFAULT 0";
                await columns.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return store;
    }

    public override async Task<bool> AddAsync(string workspaceId, string contactId, Guid keyId, byte[] wrappedKey, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // One statement, so the check and the insert are one write transaction: a rotation's
        // mark (see MarkRetiringAsync) is ordered entirely before or after it.
        command.CommandText = """
            INSERT INTO contact_keys (workspace_id, contact_id, version, key_id, wrapped_key, created_at)
            SELECT $w, $c, (SELECT coalesce(max(version), 0) + 1 FROM contact_keys WHERE workspace_id = $w AND contact_id = $c), $k, $wrapped, $at
            WHERE NOT EXISTS (SELECT 1 FROM retiring_data_keys WHERE data_key_id = $dk)
            """;
        command.Parameters.AddWithValue("$w", workspaceId);
        command.Parameters.AddWithValue("$c", contactId);
        command.Parameters.AddWithValue("$k", keyId.ToByteArray());
        command.Parameters.AddWithValue("$wrapped", wrappedKey);
        command.Parameters.AddWithValue("$at", createdAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$dk", FieldCipher.KeyIdOf(wrappedKey).ToByteArray());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public override async Task MarkRetiringAsync(IReadOnlyCollection<Guid> dataKeyIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var prune = connection.CreateCommand())
        {
            prune.CommandText = "DELETE FROM retiring_data_keys WHERE since < $before";
            prune.Parameters.AddWithValue("$before", (now - SealedKeyFence.Remembered).ToUnixTimeMilliseconds());
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var id in dataKeyIds)
        {
            await using var mark = connection.CreateCommand();
            mark.CommandText = "INSERT OR IGNORE INTO retiring_data_keys (data_key_id, since) VALUES ($dk, $at)";
            mark.Parameters.AddWithValue("$dk", id.ToByteArray());
            mark.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task<IReadOnlyList<StoredKey>> GetAsync(string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, version, wrapped_key, uses_reserved FROM contact_keys WHERE workspace_id = $w AND contact_id = $c ORDER BY version DESC";
        command.Parameters.AddWithValue("$w", workspaceId);
        command.Parameters.AddWithValue("$c", contactId);
        return await ReadStoredKeysAsync(command, cancellationToken);
    }

    public override async Task<IReadOnlyList<StoredContactKey>> ListAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT contact_id, key_id, wrapped_key FROM contact_keys WHERE workspace_id = $w ORDER BY contact_id, version";
        command.Parameters.AddWithValue("$w", workspaceId);
        return await ReadContactKeysAsync(command, cancellationToken);
    }

    public override async Task<long> CountAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM contact_keys WHERE workspace_id = $w";
        command.Parameters.AddWithValue("$w", workspaceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public override async Task<bool> ReplaceWrappedAsync(Guid keyId, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE contact_keys SET wrapped_key = $new WHERE key_id = $k AND wrapped_key = $old";
        command.Parameters.AddWithValue("$k", keyId.ToByteArray());
        command.Parameters.AddWithValue("$old", expected);
        command.Parameters.AddWithValue("$new", replacement);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public override async Task DestroyVersionAsync(string workspaceId, string contactId, Guid keyId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "DELETE FROM contact_keys WHERE workspace_id = $w AND contact_id = $c AND key_id = $k";
            command.Parameters.AddWithValue("$w", workspaceId);
            command.Parameters.AddWithValue("$c", contactId);
            command.Parameters.AddWithValue("$k", keyId.ToByteArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await CheckpointAsync(connection, cancellationToken);
    }

    public override async Task<int> DestroyAsync(string workspaceId, string? contactId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        int destroyed;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = contactId is null
                ? "DELETE FROM contact_keys WHERE workspace_id = $w"
                : "DELETE FROM contact_keys WHERE workspace_id = $w AND contact_id = $c";
            command.Parameters.AddWithValue("$w", workspaceId);
            command.Parameters.AddWithValue("$c", (object?)contactId ?? DBNull.Value);
            destroyed = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await CheckpointAsync(connection, cancellationToken);
        return destroyed;
    }

    public override async Task<int> DestroyManyAsync(string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Count == 0)
        {
            return 0;
        }

        await using var connection = await OpenConnectionAsync(cancellationToken);
        var destroyed = 0;
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
        {
            foreach (var chunk in contactIds.Chunk(DestroyChunk))
            {
                await using var command = connection.CreateCommand();
                var names = new string[chunk.Length];
                for (var i = 0; i < chunk.Length; i++)
                {
                    names[i] = "$c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    command.Parameters.AddWithValue(names[i], chunk[i]);
                }

                command.CommandText = $"DELETE FROM contact_keys WHERE workspace_id = $w AND contact_id IN ({string.Join(',', names)})";
                command.Parameters.AddWithValue("$w", workspaceId);
                destroyed += await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await CheckpointAsync(connection, cancellationToken);
        return destroyed;
    }

    /// <summary>
    /// After a delete: the zeroed pages reach the main file and the log is emptied, so the old
    /// page images (with the key) do not survive in the -wal file either.
    /// </summary>
    private static async Task CheckpointAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await checkpoint.ExecuteNonQueryAsync(cancellationToken);
    }

    public override (long From, long To) Reserve(Guid keyId, long uses)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = ConnectionPragmas;
            pragmas.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE contact_keys SET uses_reserved = uses_reserved + $n WHERE key_id = $k RETURNING uses_reserved";
        command.Parameters.AddWithValue("$n", uses);
        command.Parameters.AddWithValue("$k", keyId.ToByteArray());
        return command.ExecuteScalar() is long total ? (total - uses, total) : throw new ContactErasedException();
    }

    public override async Task<(long Keys, long MostUses)> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(max(uses_reserved), 0) FROM contact_keys";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// How many contact keys the file at <paramref name="path"/> holds, without creating or
    /// changing it: 0 when there is no file (or no table yet). For the start-up check that a
    /// region moved to a PostgreSQL key store left nothing behind here.
    /// </summary>
    public static async Task<long> CountKeysInFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        var readOnly = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(readOnly);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'contact_keys') THEN (SELECT count(*) FROM contact_keys) ELSE 0 END";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Removes the store's file and its -wal and -shm (after its keys were moved elsewhere).</summary>
    public static void DeleteFiles(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }

    /// <summary>Every row of both tables, for moving the store to another backend (<c>confide keys move-store</c>).</summary>
    public async Task<(IReadOnlyList<ContactKeyRow> Keys, IReadOnlyList<RetiringMark> Marks)> ExportAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var keys = new List<ContactKeyRow>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT workspace_id, contact_id, version, key_id, wrapped_key, created_at, uses_reserved FROM contact_keys ORDER BY workspace_id, contact_id, version";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add(new ContactKeyRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), new Guid((byte[])reader[3]), (byte[])reader[4], reader.GetInt64(5), reader.GetInt64(6)));
            }
        }

        var marks = new List<RetiringMark>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT data_key_id, since FROM retiring_data_keys";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                marks.Add(new RetiringMark(new Guid((byte[])reader[0]), reader.GetInt64(1)));
            }
        }

        return (keys, marks);
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = ConnectionPragmas;
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}
