using System.Security.Cryptography;
using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// A region's master key in a file outside the database (default
/// <c>data/keys/&lt;region&gt;/master.key</c>), created on first start with mode 0600. The file
/// holds one or more versions, current first (<see cref="KeyFileFormat"/>); rotation adds a
/// version, retirement removes one. Another process (the CLI) may change the file while a
/// server runs: every wrap first re-reads a changed file, so it wraps under the newest version,
/// and an unwrap naming a version not held re-reads it once.
/// Wrapped keys: <c>0x01 | master key id (16) | nonce (12) | AES-256-GCM(data key) (32) | tag (16)</c>.
/// Fails closed: a missing, corrupt, world-readable or different key file stops the region
/// with a message naming the region and the file.
/// </summary>
public sealed class KeyFileMasterKeyProvider : IMasterKeyProvider, IDisposable
{

    private readonly string _owner;
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _reload = new();
    private volatile State _state;

    /// <summary>What the file held when last read; replaced as a whole, never changed in place.</summary>
    private sealed record State(IReadOnlyList<MasterKeyVersion> Versions, KeyFileStorage.Stamp Stamp)
    {
        public MasterKeyVersion Current => Versions[0];
    }

    private KeyFileMasterKeyProvider(string owner, string path, TimeProvider time, State state)
    {
        _owner = owner;
        _path = path;
        _time = time;
        _state = state;
        Source = $"key file {path}";
    }

    public string Source { get; }

    /// <summary>The current version as the file says now (a changed file is re-read first).</summary>
    public Guid KeyId
    {
        get
        {
            TryRefresh();
            return _state.Current.Id;
        }
    }

    public IReadOnlyList<Guid> KeyIds
    {
        get
        {
            TryRefresh();
            return [.. _state.Versions.Select(v => v.Id)];
        }
    }

    /// <summary>Loads the region's key file; creates it when <paramref name="createIfMissing"/> (first start only).</summary>
    public static KeyFileMasterKeyProvider Open(Region region, string path, bool createIfMissing) =>
        Open($"Region '{region}'", path, createIfMissing);

    /// <param name="owner">What the key protects, as error messages name it (e.g. <c>Region 'eu'</c>).</param>
    public static KeyFileMasterKeyProvider Open(string owner, string path, bool createIfMissing, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        if (!File.Exists(path) && createIfMissing)
        {
            // Two processes starting together end up with the same key: the first rename wins.
            var first = MasterKeyVersion.Generate(time.GetUtcNow());
            var bytes = KeyFileFormat.Write([first]);
            try
            {
                KeyFileStorage.WriteAtomically(path, bytes, replace: false);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
                CryptographicOperations.ZeroMemory(first.Key);
            }
        }

        var (versions, stamp) = KeyFileStorage.Read(owner, path);
        return new KeyFileMasterKeyProvider(owner, path, time, new State(versions, stamp));
    }

    public async ValueTask<Guid> RotateAsync(CancellationToken cancellationToken = default)
    {
        using var exclusive = await KeyFileStorage.LockAsync(_owner, _path, cancellationToken);
        // Start from the file, not from memory: another process may have rotated since we read it.
        var (onDisk, _) = KeyFileStorage.Read(_owner, _path);
        var added = MasterKeyVersion.Generate(_time.GetUtcNow());
        try
        {
            Replace([added, .. onDisk]);
        }
        finally
        {
            // The provider now holds its own copies, read back from the file.
            Forget([added, .. onDisk]);
        }

        return added.Id;
    }

    public async ValueTask RetireAsync(Guid keyId, CancellationToken cancellationToken = default)
    {
        using var exclusive = await KeyFileStorage.LockAsync(_owner, _path, cancellationToken);
        var (onDisk, _) = KeyFileStorage.Read(_owner, _path);
        try
        {
            if (onDisk[0].Id == keyId)
            {
                throw new InvalidOperationException($"{_owner}: master key {keyId} is the current version and cannot be retired; rotate first.");
            }

            if (onDisk.All(v => v.Id != keyId))
            {
                throw new MasterKeyUnavailableException($"{_owner}: {Source} holds no master key {keyId}.");
            }

            Replace([.. onDisk.Where(v => v.Id != keyId)]);
        }
        finally
        {
            Forget(onDisk);
        }
    }

    /// <summary>Writes <paramref name="versions"/> as the new file (caller holds the lock) and reloads from it.</summary>
    private void Replace(IReadOnlyList<MasterKeyVersion> versions)
    {
        var bytes = KeyFileFormat.Write(versions);
        try
        {
            KeyFileStorage.WriteAtomically(_path, bytes, replace: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        Reload();
    }

    public ValueTask<byte[]> WrapAsync(ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        if (dataKey.Length != DataKey.SizeInBytes)
        {
            throw new ArgumentException($"Data keys are {DataKey.SizeInBytes} bytes.", nameof(dataKey));
        }

        // Wraps are rare (a new workspace, a rotation): a stat each time is cheap, and wrapping
        // under a version the CLI has just replaced would only make the rotation chase it.
        if (!TryRefresh())
        {
            throw new MasterKeyUnavailableException($"{_owner}: {Source} can no longer be read; refusing to wrap under a key that may be gone.");
        }

        var current = _state.Current;
        var wrapped = WrappedKeyFormat.Start(current.Id);
        using var aes = new AesGcm(current.Key, WrappedKeyFormat.TagSize);
        aes.Encrypt(wrapped.AsSpan(WrappedKeyFormat.Nonce), dataKey.Span, wrapped.AsSpan(WrappedKeyFormat.Ciphertext), wrapped.AsSpan(WrappedKeyFormat.Tag), WrappedKeyFormat.AssociatedData(context.Span));
        return ValueTask.FromResult(wrapped);
    }

    public ValueTask<byte[]> UnwrapAsync(ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        var wrapped = wrappedKey.Span;
        var wrappedUnder = WrappedKeyFormat.MasterKeyIdOf(wrapped);
        var version = Find(wrappedUnder);
        if (version is null)
        {
            // Perhaps rotated by another process since we last read the file: read it once more,
            // whatever its stamp says (a coarse file-system clock can hide a change).
            TryRefresh(force: true);
            version = Find(wrappedUnder) ?? throw new MasterKeyUnavailableException(
                $"{_owner}: a data key was wrapped with master key {wrappedUnder}, but {Source} holds master key(s) {string.Join(", ", _state.Versions.Select(v => v.Id))}.");
        }

        var dataKey = new byte[DataKey.SizeInBytes];
        try
        {
            using var aes = new AesGcm(version.Key, WrappedKeyFormat.TagSize);
            aes.Decrypt(wrapped[WrappedKeyFormat.Nonce], wrapped[WrappedKeyFormat.Ciphertext], wrapped[WrappedKeyFormat.Tag], dataKey, WrappedKeyFormat.AssociatedData(context.Span));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptoIntegrityException("A wrapped data key failed authentication (altered, moved or wrapped for another context).");
        }

        return ValueTask.FromResult(dataKey);
    }

    private MasterKeyVersion? Find(Guid keyId) => _state.Versions.FirstOrDefault(v => v.Id == keyId);

    /// <summary>Re-reads the file if it changed since the last read; false if it can no longer be read (the held versions stay).</summary>
    private bool TryRefresh(bool force = false)
    {
        try
        {
            var stamp = KeyFileStorage.StampOf(_path);
            if (stamp is null)
            {
                return false;
            }

            if (force || stamp != _state.Stamp)
            {
                Reload();
            }

            return true;
        }
        catch (Exception ex) when (ex is MasterKeyUnavailableException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Reload()
    {
        lock (_reload)
        {
            var (versions, stamp) = KeyFileStorage.Read(_owner, _path);
            var previous = _state;
            // Keep the arrays of versions still held (a request may be using them); zero the
            // ones that were retired, so their bytes do not linger in this process.
            var merged = versions.Select(v => previous.Versions.FirstOrDefault(p => p.Id == v.Id) is { } kept ? Swap(v, kept) : v).ToList();
            _state = new State(merged, stamp);
            Forget(previous.Versions.Where(p => merged.All(v => v.Id != p.Id)));
        }
    }

    private static MasterKeyVersion Swap(MasterKeyVersion fresh, MasterKeyVersion kept)
    {
        CryptographicOperations.ZeroMemory(fresh.Key);
        return kept;
    }

    private static void Forget(IEnumerable<MasterKeyVersion> versions)
    {
        foreach (var version in versions)
        {
            CryptographicOperations.ZeroMemory(version.Key);
        }
    }


    public void Dispose() => Forget(_state.Versions);
}
