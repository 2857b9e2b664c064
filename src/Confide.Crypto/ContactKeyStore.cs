using Confide.Data;
using Confide.Platform;
using Microsoft.Data.Sqlite;

namespace Confide.Crypto;

/// <summary>
/// The region's contact keys, wrapped by their workspace's data key, in a small SQLite database
/// of their own beside the master key (<c>data/keys/&lt;region&gt;/contact-keys.db</c>) — never
/// in the cell database. That is what makes erasure reach backups: a copy of the cell
/// database taken before a contact was shredded holds that contact's ciphertext but not its
/// key, so it stays unreadable. Deleted keys are overwritten in place (<c>secure_delete</c>)
/// and the log is checkpointed, so no copy of a destroyed key lingers in the file.
/// </summary>
public sealed class ContactKeyStore
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

    private ContactKeyStore(Region region, string path)
    {
        Region = region;
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    public Region Region { get; }

    public string Path { get; }

    /// <summary>A stored contact key version: its id and the bytes the workspace data key wrapped.</summary>
    public sealed record StoredKey(Guid KeyId, int Version, byte[] WrappedKey, long UsesReserved);

    /// <summary>A stored key with the contact it belongs to.</summary>
    public sealed record StoredContactKey(string ContactId, Guid KeyId, byte[] WrappedKey);

    /// <summary>Opens (creating on first use) the region's store; owner-only permissions like the master key.</summary>
    public static async Task<ContactKeyStore> OpenAsync(Region region, string path, CancellationToken cancellationToken)
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

        var store = new ContactKeyStore(region, path);
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

    /// <summary>
    /// Stores a key durably as the contact's next version (version 1 for a new contact);
    /// returns once it is on disk. Returns false, storing nothing, when the workspace data key
    /// it is wrapped under is being retired by a rotation: the caller's view of the current
    /// data key is stale, and it must wrap again under the current one.
    /// </summary>
    public async Task<bool> AddAsync(string workspaceId, string contactId, Guid keyId, byte[] wrappedKey, DateTimeOffset createdAt, CancellationToken cancellationToken)
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

    /// <summary>
    /// Marks workspace data-key versions as being retired. Once it returns, no contact key wrapped
    /// under them can be added, and every one added before is visible to a scan (see ADR 0010).
    /// </summary>
    public async Task MarkRetiringAsync(IReadOnlyCollection<Guid> dataKeyIds, DateTimeOffset now, CancellationToken cancellationToken)
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

    /// <summary>Every key version of a contact, newest first; empty once the contact was shredded.</summary>
    public async Task<IReadOnlyList<StoredKey>> GetAsync(string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, version, wrapped_key, uses_reserved FROM contact_keys WHERE workspace_id = $w AND contact_id = $c ORDER BY version DESC";
        command.Parameters.AddWithValue("$w", workspaceId);
        command.Parameters.AddWithValue("$c", contactId);
        var keys = new List<StoredKey>(1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new StoredKey(new Guid((byte[])reader[0]), reader.GetInt32(1), (byte[])reader[2], reader.GetInt64(3)));
        }

        return keys;
    }

    /// <summary>Every key of a workspace's contacts, in a stable order (for re-wrapping).</summary>
    public async Task<IReadOnlyList<StoredContactKey>> ListAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT contact_id, key_id, wrapped_key FROM contact_keys WHERE workspace_id = $w ORDER BY contact_id, version";
        command.Parameters.AddWithValue("$w", workspaceId);
        var keys = new List<StoredContactKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new StoredContactKey(reader.GetString(0), new Guid((byte[])reader[1]), (byte[])reader[2]));
        }

        return keys;
    }

    /// <summary>How many key versions the contacts of a workspace hold (for a workspace-deletion receipt).</summary>
    public async Task<long> CountAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM contact_keys WHERE workspace_id = $w";
        command.Parameters.AddWithValue("$w", workspaceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Replaces a key's wrapped bytes if they are still <paramref name="expected"/>; false when another process changed them first.</summary>
    public async Task<bool> ReplaceWrappedAsync(Guid keyId, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE contact_keys SET wrapped_key = $new WHERE key_id = $k AND wrapped_key = $old";
        command.Parameters.AddWithValue("$k", keyId.ToByteArray());
        command.Parameters.AddWithValue("$old", expected);
        command.Parameters.AddWithValue("$new", replacement);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Destroys one key version of a contact (after its data moved to a newer one).</summary>
    public async Task DestroyVersionAsync(string workspaceId, string contactId, Guid keyId, CancellationToken cancellationToken)
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

    /// <summary>Destroys the keys of one contact, or of every contact of a workspace when <paramref name="contactId"/> is null.</summary>
    public async Task<int> DestroyAsync(string workspaceId, string? contactId, CancellationToken cancellationToken)
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

    /// <summary>
    /// Destroys the keys of many contacts of a workspace at once (a retention batch): one
    /// transaction and one checkpoint, however many contacts. Safe to repeat.
    /// </summary>
    public async Task<int> DestroyManyAsync(string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Count == 0)
        {
            return 0;
        }

        await using var connection = await OpenConnectionAsync(cancellationToken);
        var destroyed = 0;
        await using (var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken))
        {
            foreach (var chunk in contactIds.Chunk(500))
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

    /// <summary>
    /// Durably reserves <paramref name="uses"/> more encryptions for a key and returns the
    /// reserved range (previous total, new total). Synchronous on purpose: it is called from inside an encryption, when a key's
    /// reservation runs out (once per block). Throws <see cref="ContactErasedException"/> for a destroyed key.
    /// </summary>
    public (long From, long To) Reserve(Guid keyId, long uses)
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

    /// <summary>How many contact keys the store holds and the most uses reserved by one (for <c>keys status</c>).</summary>
    public async Task<(long Keys, long MostUses)> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(max(uses_reserved), 0) FROM contact_keys";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
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
