using System.Security.Cryptography;
using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// A region's master key in a file outside the database (default
/// <c>data/keys/&lt;region&gt;/master.key</c>), created on first start with mode 0600.
/// File: <c>"CFDK" | version 0x01 | key id (16) | key (32) | first 8 bytes of SHA-256 of the rest</c>.
/// Wrapped keys: <c>0x01 | master key id (16) | nonce (12) | AES-256-GCM(data key) (32) | tag (16)</c>.
/// Fails closed: a missing, corrupt, world-readable or different key file stops the region
/// with a message naming the region and the file.
/// </summary>
public sealed class KeyFileMasterKeyProvider : IMasterKeyProvider, IDisposable
{
    private static readonly byte[] Magic = "CFDK"u8.ToArray();
    private static readonly byte[] WrapLabel = "confide.wrap.v1"u8.ToArray();
    private const byte FileVersion = 0x01;
    private const int FileSize = 4 + 1 + 16 + 32 + 8;
    private const byte WrapVersion = 0x01;
    private const int WrapSize = 1 + 16 + 12 + DataKey.SizeInBytes + 16;

    private readonly byte[] _key;
    private readonly string _owner;

    private KeyFileMasterKeyProvider(string owner, string path, Guid keyId, byte[] key)
    {
        _owner = owner;
        Source = $"key file {path}";
        KeyId = keyId;
        _key = key;
    }

    public string Source { get; }

    public Guid KeyId { get; }

    public IReadOnlyList<Guid> KeyIds => [KeyId];

    // Versioned key files (rotation) are being added; until then a key file holds one version.
    public ValueTask<Guid> RotateAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Master key rotation of key files is not implemented yet.");

    public ValueTask RetireAsync(Guid keyId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Master key rotation of key files is not implemented yet.");

    /// <summary>Loads the region's key file; creates it when <paramref name="createIfMissing"/> (first start only).</summary>
    public static KeyFileMasterKeyProvider Open(Region region, string path, bool createIfMissing) =>
        Open($"Region '{region}'", path, createIfMissing);

    /// <param name="owner">What the key protects, as error messages name it (e.g. <c>Region 'eu'</c>).</param>
    public static KeyFileMasterKeyProvider Open(string owner, string path, bool createIfMissing)
    {
        if (!File.Exists(path))
        {
            if (!createIfMissing)
            {
                throw new MasterKeyUnavailableException(
                    $"{owner}: the master key file {path} is missing. Restore it from your key backup; without it the data it protects cannot be read.");
            }

            Create(path);
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new MasterKeyUnavailableException(
                    $"{owner}: the master key file {path} is readable by other users; run 'chmod 600' on it.");
            }
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != FileSize || !bytes.AsSpan(0, 4).SequenceEqual(Magic) || bytes[4] != FileVersion
            || !SHA256.HashData(bytes.AsSpan(0, FileSize - 8)).AsSpan(0, 8).SequenceEqual(bytes.AsSpan(FileSize - 8)))
        {
            CryptographicOperations.ZeroMemory(bytes);
            throw new MasterKeyUnavailableException($"{owner}: the master key file {path} is corrupt or not a Confide key file.");
        }

        var provider = new KeyFileMasterKeyProvider(owner, path, new Guid(bytes.AsSpan(5, 16)), bytes.AsSpan(21, 32).ToArray());
        CryptographicOperations.ZeroMemory(bytes);
        return provider;
    }

    private static void Create(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var bytes = new byte[FileSize];
        Magic.CopyTo(bytes, 0);
        bytes[4] = FileVersion;
        Guid.NewGuid().TryWriteBytes(bytes.AsSpan(5, 16));
        RandomNumberGenerator.Fill(bytes.AsSpan(21, 32));
        SHA256.HashData(bytes.AsSpan(0, FileSize - 8)).AsSpan(0, 8).CopyTo(bytes.AsSpan(FileSize - 8));
        // Written to a temporary file and moved into place, so a reader never sees half a key
        // and two processes starting together end up with the same one.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            File.Delete(temporary);
        }
    }

    public ValueTask<byte[]> WrapAsync(ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        if (dataKey.Length != DataKey.SizeInBytes)
        {
            throw new ArgumentException($"Data keys are {DataKey.SizeInBytes} bytes.", nameof(dataKey));
        }

        var wrapped = new byte[WrapSize];
        wrapped[0] = WrapVersion;
        KeyId.TryWriteBytes(wrapped.AsSpan(1, 16));
        RandomNumberGenerator.Fill(wrapped.AsSpan(17, 12));
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(wrapped.AsSpan(17, 12), dataKey.Span, wrapped.AsSpan(29, DataKey.SizeInBytes), wrapped.AsSpan(29 + DataKey.SizeInBytes, 16), AssociatedData(context.Span));
        return ValueTask.FromResult(wrapped);
    }

    public ValueTask<byte[]> UnwrapAsync(ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        var wrapped = wrappedKey.Span;
        if (wrapped.Length != WrapSize || wrapped[0] != WrapVersion)
        {
            throw new CryptoIntegrityException("The wrapped key is truncated or of an unknown format.");
        }

        var wrappedUnder = new Guid(wrapped.Slice(1, 16));
        if (wrappedUnder != KeyId)
        {
            throw new MasterKeyUnavailableException(
                $"{_owner}: a data key was wrapped with master key {wrappedUnder}, but {Source} holds master key {KeyId}.");
        }

        var dataKey = new byte[DataKey.SizeInBytes];
        try
        {
            using var aes = new AesGcm(_key, 16);
            aes.Decrypt(wrapped.Slice(17, 12), wrapped.Slice(29, DataKey.SizeInBytes), wrapped.Slice(29 + DataKey.SizeInBytes, 16), dataKey, AssociatedData(context.Span));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptoIntegrityException("A wrapped data key failed authentication (altered, moved or wrapped for another context).");
        }

        return ValueTask.FromResult(dataKey);
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> context) => [.. WrapLabel, .. context];

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
