using Confide.Data;
using Confide.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Confide.Crypto;

/// <summary>
/// The contact key store in a PostgreSQL database of its own
/// (<c>Confide:Regions:&lt;region&gt;:KeyStore:Postgres</c>), shared by every process serving the
/// region, so a contact created on one is readable on all (ADR 0016). Never the cell database:
/// a backup of the cell alone must not hold contact keys (ADR 0006), so opening refuses a
/// database that holds the cell's tables, or another region's keys.
/// </summary>
/// <remarks>
/// What SQLite got from its single writer is made explicit here with advisory locks
/// (transaction-scoped, released at commit): adds take the fence lock shared and marks take it
/// exclusively (ADR 0010), and adds to one contact take that contact's lock, so two processes
/// never number a version twice. A destroyed key is gone for every reader at commit, but its
/// bytes stay in dead tuples until vacuum reclaims them and in the write-ahead log until it is
/// recycled — and in the key store's WAL archive and backups for as long as the operator keeps
/// them. The table is vacuumed eagerly; the retention of its archive and backups is the erasure
/// deadline (docs/operations.md).
/// </remarks>
public sealed class PostgresContactKeyStore : ContactKeyStore
{
    // Advisory lock id of the retiring fence (this database only); it spells "ConfideF".
    private const long FenceLock = 4859223909089961286;

    // Autovacuum as soon as a single key was destroyed, without throttling: dead tuples holding
    // destroyed keys are reclaimed within the autovacuum naptime (a minute by default).
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS key_store_region (
            region text PRIMARY KEY
        );
        CREATE TABLE IF NOT EXISTS contact_keys (
            workspace_id  text NOT NULL,
            contact_id    text NOT NULL,
            version       integer NOT NULL,
            key_id        bytea NOT NULL UNIQUE,
            wrapped_key   bytea NOT NULL,
            created_at    bigint NOT NULL,
            uses_reserved bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (workspace_id, contact_id, version)
        ) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1, autovacuum_vacuum_cost_delay = 0);
        CREATE TABLE IF NOT EXISTS retiring_data_keys (
            data_key_id bytea PRIMARY KEY,
            since       bigint NOT NULL
        );
        """;

    // Each add and destroy commits durably whatever the server's or role's default says.
    private const string DurableCommit = "SET LOCAL synchronous_commit = on;";

    private readonly string _connectionString;

    private PostgresContactKeyStore(Region region, string connectionString)
        : base(region)
    {
        _connectionString = connectionString;
        Location = Describe(connectionString);
    }

    public override string Backend => "postgresql";

    public override string Location { get; }

    /// <summary>Host, port and database of a connection string, for messages (never its password).</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>Whether the database already holds a contact key store (before <see cref="OpenAsync"/> creates one).</summary>
    public static async Task<bool> ExistsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT to_regclass('contact_keys') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Opens the region's store, creating its tables on first use; refuses the cell database and another region's store.</summary>
    public static async Task<PostgresContactKeyStore> OpenAsync(Region region, string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var cell = new NpgsqlCommand("SELECT to_regclass('\"Contacts\"') IS NOT NULL", connection, transaction))
        {
            if ((bool)(await cell.ExecuteScalarAsync(cancellationToken))!)
            {
                throw new InvalidOperationException(
                    $"Confide:Regions:{region.Code}:KeyStore:Postgres points at {Describe(connectionString)}, which holds a cell database. " +
                    "Contact keys must live in a database of their own, so that a backup of the cell never contains them.");
            }
        }

        await PostgresSchema.EnsureAsync(connection, transaction, "contact_key_store", Schema, cancellationToken);

        await using (var claim = new NpgsqlCommand("INSERT INTO key_store_region (region) VALUES (@r) ON CONFLICT DO NOTHING", connection, transaction))
        {
            claim.Parameters.AddWithValue("r", region.Code);
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var owner = new NpgsqlCommand("SELECT region FROM key_store_region WHERE region <> @r LIMIT 1", connection, transaction))
        {
            owner.Parameters.AddWithValue("r", region.Code);
            if (await owner.ExecuteScalarAsync(cancellationToken) is string other)
            {
                throw new InvalidOperationException(
                    $"Confide:Regions:{region.Code}:KeyStore:Postgres points at {Describe(connectionString)}, the contact key store of region '{other}'. Each region needs a key-store database of its own.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new PostgresContactKeyStore(region, connectionString);
    }

    public override async Task<bool> AddAsync(string workspaceId, string contactId, Guid keyId, byte[] wrappedKey, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The fence lock shared (a mark waits for this add to commit; an add after the mark
        // waits for it and then sees it), then the contact's lock (the next add to this contact
        // waits, so the version below is read after every earlier one committed). Under READ
        // COMMITTED the INSERT takes its snapshot after both locks are held.
        await using (var locks = new NpgsqlCommand($"{DurableCommit} SELECT pg_advisory_xact_lock_shared({FenceLock}), pg_advisory_xact_lock(hashtext(@w), hashtext(@c))", connection, transaction))
        {
            locks.Parameters.AddWithValue("w", workspaceId);
            locks.Parameters.AddWithValue("c", contactId);
            await locks.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand(
            """
            INSERT INTO contact_keys (workspace_id, contact_id, version, key_id, wrapped_key, created_at)
            SELECT @w, @c, (SELECT coalesce(max(version), 0) + 1 FROM contact_keys WHERE workspace_id = @w AND contact_id = @c), @k, @wrapped, @at
            WHERE NOT EXISTS (SELECT 1 FROM retiring_data_keys WHERE data_key_id = @dk)
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("w", workspaceId);
        command.Parameters.AddWithValue("c", contactId);
        command.Parameters.AddWithValue("k", keyId.ToByteArray());
        command.Parameters.AddWithValue("wrapped", wrappedKey);
        command.Parameters.AddWithValue("at", createdAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("dk", FieldCipher.KeyIdOf(wrappedKey).ToByteArray());
        var added = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    public override async Task MarkRetiringAsync(IReadOnlyCollection<Guid> dataKeyIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Exclusive: waits for every add past its check to commit (the scan then finds it), and
        // holds later adds until the marks are committed (they are then refused).
        await using var command = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_xact_lock({FenceLock});
            DELETE FROM retiring_data_keys WHERE since < @before;
            INSERT INTO retiring_data_keys (data_key_id, since) SELECT unnest(@ids), @at ON CONFLICT DO NOTHING;
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue("before", (now - Confide.Data.SealedKeyFence.Remembered).ToUnixTimeMilliseconds());
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = dataKeyIds.Select(id => id.ToByteArray()).ToArray() });
        command.Parameters.AddWithValue("at", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task<IReadOnlyList<StoredKey>> GetAsync(string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT key_id, version, wrapped_key, uses_reserved FROM contact_keys WHERE workspace_id = @w AND contact_id = @c ORDER BY version DESC", connection);
        command.Parameters.AddWithValue("w", workspaceId);
        command.Parameters.AddWithValue("c", contactId);
        return await ReadStoredKeysAsync(command, cancellationToken);
    }

    public override async Task<IReadOnlyList<StoredContactKey>> ListAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT contact_id, key_id, wrapped_key FROM contact_keys WHERE workspace_id = @w ORDER BY contact_id COLLATE \"C\", version", connection);
        command.Parameters.AddWithValue("w", workspaceId);
        return await ReadContactKeysAsync(command, cancellationToken);
    }

    public override async Task<long> CountAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM contact_keys WHERE workspace_id = @w", connection);
        command.Parameters.AddWithValue("w", workspaceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public override async Task<bool> ReplaceWrappedAsync(Guid keyId, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("UPDATE contact_keys SET wrapped_key = @new WHERE key_id = @k AND wrapped_key = @old", connection);
        command.Parameters.AddWithValue("k", keyId.ToByteArray());
        command.Parameters.AddWithValue("old", expected);
        command.Parameters.AddWithValue("new", replacement);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public override async Task DestroyVersionAsync(string workspaceId, string contactId, Guid keyId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginDurableAsync(connection, cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM contact_keys WHERE workspace_id = @w AND contact_id = @c AND key_id = @k", connection, transaction);
        command.Parameters.AddWithValue("w", workspaceId);
        command.Parameters.AddWithValue("c", contactId);
        command.Parameters.AddWithValue("k", keyId.ToByteArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task<int> DestroyAsync(string workspaceId, string? contactId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginDurableAsync(connection, cancellationToken);
        await using var command = new NpgsqlCommand(
            contactId is null
                ? "DELETE FROM contact_keys WHERE workspace_id = @w"
                : "DELETE FROM contact_keys WHERE workspace_id = @w AND contact_id = @c",
            connection,
            transaction);
        command.Parameters.AddWithValue("w", workspaceId);
        command.Parameters.AddWithValue("c", (object?)contactId ?? DBNull.Value);
        var destroyed = await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return destroyed;
    }

    public override async Task<int> DestroyManyAsync(string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Count == 0)
        {
            return 0;
        }

        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await BeginDurableAsync(connection, cancellationToken);
        var destroyed = 0;
        foreach (var chunk in contactIds.Chunk(DestroyChunk))
        {
            await using var command = new NpgsqlCommand("DELETE FROM contact_keys WHERE workspace_id = @w AND contact_id = ANY(@c)", connection, transaction);
            command.Parameters.AddWithValue("w", workspaceId);
            command.Parameters.AddWithValue("c", chunk);
            destroyed += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return destroyed;
    }

    public override (long From, long To) Reserve(Guid keyId, long uses)
    {
        using var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        // One statement: the row lock orders concurrent reservations (from any process), each gets its own range.
        using var command = new NpgsqlCommand("UPDATE contact_keys SET uses_reserved = uses_reserved + @n WHERE key_id = @k RETURNING uses_reserved", connection);
        command.Parameters.AddWithValue("n", uses);
        command.Parameters.AddWithValue("k", keyId.ToByteArray());
        return command.ExecuteScalar() is long total ? (total - uses, total) : throw new ContactErasedException();
    }

    public override async Task<(long Keys, long MostUses)> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*), coalesce(max(uses_reserved), 0) FROM contact_keys", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Copies every row of another store into this one in one transaction (rows already here
    /// are kept), then checks that each copied key and mark is present with the same bytes; on
    /// any difference nothing is committed. Returns how many keys and marks were moved.
    /// </summary>
    public async Task<(int Keys, int Marks)> ImportAsync(IReadOnlyList<ContactKeyRow> keys, IReadOnlyList<RetiringMark> marks, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var fence = new NpgsqlCommand($"{DurableCommit} SELECT pg_advisory_xact_lock({FenceLock})", connection, transaction))
        {
            await fence.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var chunk in keys.Chunk(5000))
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO contact_keys (workspace_id, contact_id, version, key_id, wrapped_key, created_at, uses_reserved)
                SELECT * FROM unnest(@w, @c, @v, @k, @wrapped, @at, @uses) ON CONFLICT DO NOTHING
                """,
                connection,
                transaction);
            insert.Parameters.AddWithValue("w", chunk.Select(k => k.WorkspaceId).ToArray());
            insert.Parameters.AddWithValue("c", chunk.Select(k => k.ContactId).ToArray());
            insert.Parameters.AddWithValue("v", chunk.Select(k => k.Version).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("k", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chunk.Select(k => k.KeyId.ToByteArray()).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("wrapped", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chunk.Select(k => k.WrappedKey).ToArray() });
            insert.Parameters.AddWithValue("at", chunk.Select(k => k.CreatedAt).ToArray());
            insert.Parameters.AddWithValue("uses", chunk.Select(k => k.UsesReserved).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO retiring_data_keys (data_key_id, since) SELECT * FROM unnest(@dk, @since) ON CONFLICT DO NOTHING", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter("dk", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = marks.Select(m => m.DataKeyId.ToByteArray()).ToArray() });
            insert.Parameters.AddWithValue("since", marks.Select(m => m.Since).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        long keysPresent = 0;
        foreach (var chunk in keys.Chunk(5000))
        {
            await using var verify = new NpgsqlCommand(
                """
                SELECT count(*) FROM contact_keys t
                JOIN unnest(@w, @c, @v, @k, @wrapped) AS s(workspace_id, contact_id, version, key_id, wrapped_key)
                  ON t.key_id = s.key_id AND t.workspace_id = s.workspace_id AND t.contact_id = s.contact_id AND t.version = s.version AND t.wrapped_key = s.wrapped_key
                """,
                connection,
                transaction);
            verify.Parameters.AddWithValue("w", chunk.Select(k => k.WorkspaceId).ToArray());
            verify.Parameters.AddWithValue("c", chunk.Select(k => k.ContactId).ToArray());
            verify.Parameters.AddWithValue("v", chunk.Select(k => k.Version).ToArray());
            verify.Parameters.Add(new NpgsqlParameter("k", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chunk.Select(k => k.KeyId.ToByteArray()).ToArray() });
            verify.Parameters.Add(new NpgsqlParameter("wrapped", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chunk.Select(k => k.WrappedKey).ToArray() });
            keysPresent += (long)(await verify.ExecuteScalarAsync(cancellationToken))!;
        }

        long marksPresent;
        await using (var verify = new NpgsqlCommand("SELECT count(*) FROM retiring_data_keys WHERE data_key_id = ANY(@dk)", connection, transaction))
        {
            verify.Parameters.Add(new NpgsqlParameter("dk", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = marks.Select(m => m.DataKeyId.ToByteArray()).ToArray() });
            marksPresent = (long)(await verify.ExecuteScalarAsync(cancellationToken))!;
        }

        if (keysPresent != keys.Count || marksPresent != marks.Count)
        {
            // Disposing the transaction uncommitted rolls every copied row back.
            throw new InvalidOperationException(
                $"Moving the contact key store of region '{Region.Code}' to {Location} found {keysPresent} of {keys.Count} keys and {marksPresent} of {marks.Count} retiring marks " +
                "(the target already holds different keys under the same ids or versions); nothing was moved.");
        }

        await transaction.CommitAsync(cancellationToken);
        return (keys.Count, marks.Count);
    }

    private static async Task<NpgsqlTransaction> BeginDurableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var durable = new NpgsqlCommand(DurableCommit, connection, transaction);
        await durable.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    private async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
