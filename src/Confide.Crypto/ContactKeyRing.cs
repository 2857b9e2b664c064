using System.Collections.Concurrent;
using System.Security.Cryptography;
using Confide.Data;
using Confide.Platform;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Confide.Crypto;

/// <summary>
/// Per-contact keys: created with the contact, wrapped by the workspace's data key, kept in the
/// region's <see cref="ContactKeyStore"/>, cached unwrapped in memory (bounded, with a time
/// limit), rotated to new versions, and destroyed to erase a contact (crypto-shredding).
/// </summary>
public sealed class ContactKeyRing(WorkspaceKeyRing workspaceKeys, IOptions<ConfideOptions> options, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a cached key list is trusted before the store is asked whether a newer version
    /// appeared (a rotation in another process). Rotations wait longer than this before they
    /// check that nothing is still written under the old version.
    /// </summary>
    public static readonly TimeSpan VersionFreshness = TimeSpan.FromSeconds(5);

    /// <summary>A key version this close to its use limit is replaced by a new version before it runs out.</summary>
    internal const long RenewalMargin = 1 << 16;

    /// <summary>Uses reserved in the key store at a time; a restart forfeits at most this many per loaded key.</summary>
    internal const long ReservationBlock = 4096;

    private readonly MemoryCache _unwrapped = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly ConcurrentDictionary<(Region, string, string), Lazy<Task>> _renewals = new();
    private readonly ConcurrentDictionary<Region, Lazy<Task<ContactKeyStore>>> _stores = new();

    private sealed record CachedKeys(DataKey[] Keys, DateTimeOffset CheckedAt);

    /// <summary>The workspace keys that wrap these contact keys (and seal teammates' fields).</summary>
    public WorkspaceKeyRing WorkspaceKeys => workspaceKeys;

    /// <summary>The region's SQLite key file: its store by default, and what <c>keys move-store</c> empties when the region moves to PostgreSQL.</summary>
    public string StorePath(Region region) => StorePath(options.Value, region);

    public static string StorePath(ConfideOptions options, Region region) =>
        Path.Combine(options.DataDirectoryFullPath, "keys", region.Code, "contact-keys.db");

    /// <summary>The region's key-store database when it is on PostgreSQL (checked for transport security); null for the SQLite file.</summary>
    public string? PostgresStore(Region region)
    {
        var settings = options.Value;
        if (settings.For(region).KeyStore.Postgres is not { Length: > 0 } connectionString)
        {
            return null;
        }

        PostgresTransportSecurity.EnsureVerifyFull($"Confide:Regions:{region.Code}:KeyStore:Postgres", connectionString, settings.AllowInsecurePostgres);
        if (settings.For(region).Postgres is { Length: > 0 } cell
            && PostgresContactKeyStore.Describe(cell) == PostgresContactKeyStore.Describe(connectionString))
        {
            throw new InvalidOperationException(
                $"Confide:Regions:{region.Code}:KeyStore:Postgres names the region's cell database. Contact keys must live in a database of their own, so that a backup of the cell never contains them (ADR 0006).");
        }

        return connectionString;
    }

    public Task<ContactKeyStore> StoreAsync(Region region) =>
        _stores.GetOrAdd(region, r => new Lazy<Task<ContactKeyStore>>(() => OpenStoreAsync(r))).Value;

    /// <summary>
    /// A key for a new contact, stored durably before the contact's row is written (a key
    /// without a row is harmless; a row without its key would be unreadable).
    /// </summary>
    public async Task<ContactCipher> CreateAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        var key = await AddVersionAsync(cell, workspaceId, contactId, cancellationToken);
        DataKey[] keys = [key];
        Cache(cell.Region, workspaceId, contactId, keys);
        return new ContactCipher(cell.Region, workspaceId, contactId, keys);
    }

    /// <summary>Stores a new, newest key version for an existing contact (rotation); older versions keep decrypting.</summary>
    public async Task<DataKey> AddVersionAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        var key = DataKey.Generate();
        var store = await StoreAsync(cell.Region);
        for (var attempt = 1; ; attempt++)
        {
            var workspaceKey = await workspaceKeys.DataKeyAsync(cell, workspaceId, cancellationToken);
            var wrapped = FieldCipher.Encrypt(workspaceKey, WrapContext(cell.Region, workspaceId, contactId), key.Material);
            if (await store.AddAsync(workspaceId, contactId, key.Id, wrapped, time.GetUtcNow(), cancellationToken))
            {
                break;
            }

            // A rotation in another process retires the data key this process still took for
            // current: read the current version again and wrap under it.
            workspaceKeys.ForgetCurrentDataKey(cell.Region, workspaceId);
            if (attempt == 3)
            {
                key.Dispose();
                throw new ConfideException(ConfideError.KeyRotationInProgress());
            }
        }

        key.CountAgainstReservations(0, () => store.Reserve(key.Id, ReservationBlock));
        _unwrapped.Remove((cell.Region, workspaceId, contactId));
        return key;
    }

    /// <summary>The contact's cipher; <see cref="ContactErasedException"/> once the contact was shredded.</summary>
    public async ValueTask<ContactCipher> ForContactAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        var cacheKey = (cell.Region, workspaceId, contactId);
        var now = time.GetUtcNow();
        _unwrapped.TryGetValue(cacheKey, out CachedKeys? cached);
        if (cached is not null && now - cached.CheckedAt < VersionFreshness)
        {
            return await RenewedIfWornAsync(cell, workspaceId, contactId, cached.Keys, cancellationToken);
        }

        var store = await StoreAsync(cell.Region);
        var stored = await store.GetAsync(workspaceId, contactId, cancellationToken);
        if (stored.Count == 0)
        {
            _unwrapped.Remove(cacheKey);
            throw new ContactErasedException();
        }

        var keys = new DataKey[stored.Count];
        for (var i = 0; i < stored.Count; i++)
        {
            // Versions already unwrapped are reused; only a new one costs an unwrap.
            keys[i] = cached?.Keys.FirstOrDefault(k => k.Id == stored[i].KeyId)
                ?? await UnwrapAsync(cell, workspaceId, contactId, stored[i], cancellationToken);
        }

        Cache(cell.Region, workspaceId, contactId, keys);
        return await RenewedIfWornAsync(cell, workspaceId, contactId, keys, cancellationToken);
    }

    /// <summary>
    /// The per-key use limit triggers a new key version: when the newest version nears it, a new
    /// one is stored (once, however many requests notice) and becomes the sealing key; the older
    /// versions keep decrypting what they sealed.
    /// </summary>
    private async ValueTask<ContactCipher> RenewedIfWornAsync(CellDatabase cell, string workspaceId, string contactId, DataKey[] keys, CancellationToken cancellationToken)
    {
        if (keys[0].Encryptions < DataKey.MaxEncryptions - RenewalMargin)
        {
            return new ContactCipher(cell.Region, workspaceId, contactId, keys);
        }

        var renewal = _renewals.GetOrAdd((cell.Region, workspaceId, contactId), _ => new Lazy<Task>(() => AddVersionAsync(cell, workspaceId, contactId, CancellationToken.None)));
        try
        {
            await renewal.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            _renewals.TryRemove(new KeyValuePair<(Region, string, string), Lazy<Task>>((cell.Region, workspaceId, contactId), renewal));
        }

        return await ForContactAsync(cell, workspaceId, contactId, cancellationToken);
    }

    /// <summary>The contact's cipher, or null once the contact was shredded (for lists, which skip erased contacts).</summary>
    public async ValueTask<ContactCipher?> TryForContactAsync(CellDatabase cell, string workspaceId, string contactId, CancellationToken cancellationToken)
    {
        try
        {
            return await ForContactAsync(cell, workspaceId, contactId, cancellationToken);
        }
        catch (ContactErasedException)
        {
            return null;
        }
    }

    /// <summary>Destroys an older key version once nothing is sealed under it any more (end of a rotation).</summary>
    public async Task DestroyVersionAsync(Region region, string workspaceId, string contactId, Guid keyId, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(region);
        await store.DestroyVersionAsync(workspaceId, contactId, keyId, cancellationToken);
        _unwrapped.Remove((region, workspaceId, contactId));
        Destroyed?.Invoke(region, workspaceId, contactId);
    }

    /// <summary>Raised after keys were destroyed here: a contact's, or a whole workspace's (contact null), so other processes can evict their copies.</summary>
    public event Action<Region, string, string?>? Destroyed;

    /// <summary>
    /// Destroys a contact's keys, or every contact key of a workspace when <paramref name="contactId"/>
    /// is null: everything sealed under them, in this database and in every copy of it, becomes
    /// permanently unreadable.
    /// </summary>
    public async Task<int> ShredAsync(Region region, string workspaceId, string? contactId, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(region);
        var destroyed = await store.DestroyAsync(workspaceId, contactId, cancellationToken);
        Evict(region, workspaceId, contactId);
        Destroyed?.Invoke(region, workspaceId, contactId);
        return destroyed;
    }

    /// <summary>Crypto-shreds many contacts of a workspace in one go (<see cref="ContactKeyStore.DestroyManyAsync"/>).</summary>
    public async Task<int> ShredManyAsync(Region region, string workspaceId, IReadOnlyCollection<string> contactIds, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(region);
        var destroyed = await store.DestroyManyAsync(workspaceId, contactIds, cancellationToken);
        foreach (var contactId in contactIds)
        {
            _unwrapped.Remove((region, workspaceId, contactId));
        }

        // One notice for the batch: the other processes drop the workspace's cached keys and reload what they need.
        Destroyed?.Invoke(region, workspaceId, null);
        return destroyed;
    }

    /// <summary>
    /// Forgets the unwrapped keys this process holds for a contact, or for every contact of a
    /// workspace when <paramref name="contactId"/> is null. For a notice that another process
    /// destroyed them: without it this process would notice within <see cref="VersionFreshness"/>,
    /// the next time it asks the store.
    /// </summary>
    public void Evict(Region region, string workspaceId, string? contactId)
    {
        if (contactId is not null)
        {
            _unwrapped.Remove((region, workspaceId, contactId));
            return;
        }

        foreach (var key in _unwrapped.Keys.OfType<(Region Region, string WorkspaceId, string ContactId)>().Where(k => k.Region == region && k.WorkspaceId == workspaceId).ToList())
        {
            _unwrapped.Remove(key);
        }
    }

    /// <summary>Binds a wrapped contact key to its contact: copied to another contact's row, it does not unwrap.</summary>
    internal static FieldContext WrapContext(Region region, string workspaceId, string contactId) =>
        new(workspaceId, region.Code, "contact_key", contactId, "key");

    private async Task<DataKey> UnwrapAsync(CellDatabase cell, string workspaceId, string contactId, ContactKeyStore.StoredKey stored, CancellationToken cancellationToken)
    {
        var workspaceKey = await workspaceKeys.DataKeyAsync(cell, workspaceId, FieldCipher.KeyIdOf(stored.WrappedKey), cancellationToken);
        var material = FieldCipher.Decrypt(workspaceKey, WrapContext(cell.Region, workspaceId, contactId), stored.WrappedKey);
        var key = new DataKey(stored.KeyId, material);
        CryptographicOperations.ZeroMemory(material);
        var store = await StoreAsync(cell.Region);
        key.CountAgainstReservations(stored.UsesReserved, () => store.Reserve(stored.KeyId, ReservationBlock));
        return key;
    }

    private async Task<ContactKeyStore> OpenStoreAsync(Region region) =>
        PostgresStore(region) is { } postgres
            ? await PostgresContactKeyStore.OpenAsync(region, postgres, CancellationToken.None)
            : await SqliteContactKeyStore.OpenAsync(region, StorePath(region), CancellationToken.None);

    private void Cache(Region region, string workspaceId, string contactId, DataKey[] keys)
    {
        using var entry = _unwrapped.CreateEntry((region, workspaceId, contactId));
        entry.Value = new CachedKeys(keys, time.GetUtcNow());
        entry.Size = 1;
        // Not disposed (zeroed) on eviction: a request may still be using them.
        entry.AbsoluteExpirationRelativeToNow = CacheLifetime;
    }

    public void Dispose() => _unwrapped.Dispose();
}
