using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// The region's contact keys, wrapped by their workspace's data key, in a store of their own —
/// never in the cell database. That is what makes erasure reach backups: a copy of the cell
/// database taken before a contact was shredded holds that contact's ciphertext but not its
/// key, so it stays unreadable (ADR 0006). Two backends: a SQLite file beside the master key
/// (<see cref="SqliteContactKeyStore"/>, the embedded default) and a PostgreSQL database every
/// process of the region shares (<see cref="PostgresContactKeyStore"/>, ADR 0016).
/// </summary>
public abstract class ContactKeyStore
{
    /// <summary>Contact ids are bound into statements as parameters, a chunk at a time, to stay under the backends' parameter limits.</summary>
    private protected const int DestroyChunk = 500;

    private protected ContactKeyStore(Region region) => Region = region;

    public Region Region { get; }

    /// <summary>The backend's name, as <c>keys status</c> shows it: <c>sqlite</c> or <c>postgresql</c>.</summary>
    public abstract string Backend { get; }

    /// <summary>Where the keys are, for operators: a file path, or host, port and database (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>A stored contact key version: its id and the bytes the workspace data key wrapped.</summary>
    public sealed record StoredKey(Guid KeyId, int Version, byte[] WrappedKey, long UsesReserved);

    /// <summary>A stored key with the contact it belongs to.</summary>
    public sealed record StoredContactKey(string ContactId, Guid KeyId, byte[] WrappedKey);

    /// <summary>A whole row of <c>contact_keys</c>, as moved between backends.</summary>
    public sealed record ContactKeyRow(string WorkspaceId, string ContactId, int Version, Guid KeyId, byte[] WrappedKey, long CreatedAt, long UsesReserved);

    /// <summary>A whole row of <c>retiring_data_keys</c>, as moved between backends.</summary>
    public sealed record RetiringMark(Guid DataKeyId, long Since);

    /// <summary>
    /// Stores a key durably as the contact's next version (version 1 for a new contact);
    /// returns once it is on disk. Returns false, storing nothing, when the workspace data key
    /// it is wrapped under is being retired by a rotation: the caller's view of the current
    /// data key is stale, and it must wrap again under the current one.
    /// </summary>
    public abstract Task<bool> AddAsync(string workspaceId, string contactId, Guid keyId, byte[] wrappedKey, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>
    /// Marks workspace data-key versions as being retired. Once it returns, no contact key wrapped
    /// under them can be added, and every one added before is visible to a scan (see ADR 0010).
    /// </summary>
    public abstract Task MarkRetiringAsync(IReadOnlyCollection<Guid> dataKeyIds, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every key version of a contact, newest first; empty once the contact was shredded.</summary>
    public abstract Task<IReadOnlyList<StoredKey>> GetAsync(string workspaceId, string contactId, CancellationToken cancellationToken);

    /// <summary>Every key of a workspace's contacts, in a stable order (for re-wrapping).</summary>
    public abstract Task<IReadOnlyList<StoredContactKey>> ListAsync(string workspaceId, CancellationToken cancellationToken);

    /// <summary>How many key versions the contacts of a workspace hold (for a workspace-deletion receipt).</summary>
    public abstract Task<long> CountAsync(string workspaceId, CancellationToken cancellationToken);

    /// <summary>Replaces a key's wrapped bytes if they are still <paramref name="expected"/>; false when another process changed them first.</summary>
    public abstract Task<bool> ReplaceWrappedAsync(Guid keyId, byte[] expected, byte[] replacement, CancellationToken cancellationToken);

    /// <summary>Destroys one key version of a contact (after its data moved to a newer one).</summary>
    public abstract Task DestroyVersionAsync(string workspaceId, string contactId, Guid keyId, CancellationToken cancellationToken);

    /// <summary>Destroys the keys of one contact, or of every contact of a workspace when <paramref name="contactId"/> is null.</summary>
    public abstract Task<int> DestroyAsync(string workspaceId, string? contactId, CancellationToken cancellationToken);

    /// <summary>
    /// Destroys the keys of many contacts of a workspace at once (a retention batch): one
    /// transaction, however many contacts. Safe to repeat.
    /// </summary>
    public abstract Task<int> DestroyManyAsync(string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken);

    /// <summary>
    /// Durably reserves <paramref name="uses"/> more encryptions for a key and returns the
    /// reserved range (previous total, new total). Synchronous on purpose: it is called from inside an encryption, when a key's
    /// reservation runs out (once per block). Throws <see cref="ContactErasedException"/> for a destroyed key.
    /// </summary>
    public abstract (long From, long To) Reserve(Guid keyId, long uses);

    /// <summary>How many contact keys the store holds and the most uses reserved by one (for <c>keys status</c>).</summary>
    public abstract Task<(long Keys, long MostUses)> CountAsync(CancellationToken cancellationToken);

    /// <summary>Reads <c>key_id, version, wrapped_key, uses_reserved</c> rows, as both backends select them.</summary>
    protected static async Task<IReadOnlyList<StoredKey>> ReadStoredKeysAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        var keys = new List<StoredKey>(1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new StoredKey(new Guid((byte[])reader[0]), reader.GetInt32(1), (byte[])reader[2], reader.GetInt64(3)));
        }

        return keys;
    }

    /// <summary>Reads <c>contact_id, key_id, wrapped_key</c> rows, as both backends select them.</summary>
    protected static async Task<IReadOnlyList<StoredContactKey>> ReadContactKeysAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        var keys = new List<StoredContactKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new StoredContactKey(reader.GetString(0), new Guid((byte[])reader[1]), (byte[])reader[2]));
        }

        return keys;
    }
}
