using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Confide.Crypto.Backups;

/// <summary>
/// The sealed backup file (ADR 0019): a clear header — the <see cref="BackupManifest"/>, which
/// names no person — then the database dump encrypted in 1 MiB chunks with AES-256-GCM under a
/// fresh file key that the region's master key wraps. Each chunk's associated data binds the
/// header's hash, the chunk's index and whether it is the last one, so an edited header, chunks
/// swapped or dropped, or a file cut short all fail to open instead of restoring something else.
/// <code>
/// "CFDBAK1\n" | header length (u32, big-endian) | header (UTF-8 JSON)
/// then per chunk: last (u8) | plain length (u32) | ciphertext | tag (16)
/// </code>
/// </summary>
public static class BackupSeal
{
    public const int ChunkSize = 1 << 20;
    private const int TagSize = 16;
    private const int MaxHeaderBytes = 1 << 16;
    private static ReadOnlySpan<byte> Magic => "CFDBAK1\n"u8;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Encrypts <paramref name="plain"/> to <paramref name="sealedOutput"/> under a new file key; returns the manifest as written.</summary>
    public static async Task<BackupManifest> SealAsync(
        BackupManifest manifest, Stream plain, Stream sealedOutput, IMasterKeyProvider masterKey, CancellationToken cancellationToken)
    {
        var fileKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var wrapped = await masterKey.WrapAsync(fileKey, WrapContext(manifest), cancellationToken);
            manifest = manifest with { MasterKeyId = masterKey.KeyId, WrappedFileKey = wrapped };
            var header = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
            var prefix = new byte[Magic.Length + 4];
            Magic.CopyTo(prefix);
            BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(Magic.Length), (uint)header.Length);
            await sealedOutput.WriteAsync(prefix, cancellationToken);
            await sealedOutput.WriteAsync(header, cancellationToken);

            using var aes = new AesGcm(fileKey, TagSize);
            var headerHash = SHA256.HashData(header);
            var current = new byte[ChunkSize];
            var next = new byte[ChunkSize];
            var currentLength = await ReadFullAsync(plain, current, cancellationToken);
            var cipher = new byte[5 + ChunkSize + TagSize];
            for (ulong index = 0; ; index++)
            {
                // One chunk of look-ahead tells whether this one is the last.
                var nextLength = currentLength == ChunkSize ? await ReadFullAsync(plain, next, cancellationToken) : 0;
                var last = nextLength == 0;
                cipher[0] = last ? (byte)1 : (byte)0;
                BinaryPrimitives.WriteUInt32BigEndian(cipher.AsSpan(1), (uint)currentLength);
                aes.Encrypt(
                    Nonce(index),
                    current.AsSpan(0, currentLength),
                    cipher.AsSpan(5, currentLength),
                    cipher.AsSpan(5 + currentLength, TagSize),
                    AssociatedData(headerHash, index, last));
                await sealedOutput.WriteAsync(cipher.AsMemory(0, 5 + currentLength + TagSize), cancellationToken);
                if (last)
                {
                    break;
                }

                (current, next) = (next, current);
                currentLength = nextLength;
            }

            CryptographicOperations.ZeroMemory(current);
            CryptographicOperations.ZeroMemory(next);
            return manifest;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    /// <summary>The header alone (no key needed): what a backup holds, when and for which region.</summary>
    public static async Task<BackupManifest> ReadManifestAsync(Stream sealedInput, CancellationToken cancellationToken) =>
        (await ReadHeaderAsync(sealedInput, cancellationToken)).Manifest;

    /// <summary>
    /// Decrypts to <paramref name="plain"/>, checking every chunk. Throws <see cref="BackupIntegrityException"/>
    /// on any change, truncation or a key that is not the one the backup was sealed with.
    /// </summary>
    public static async Task<BackupManifest> UnsealAsync(Stream sealedInput, Stream plain, IMasterKeyProvider masterKey, CancellationToken cancellationToken)
    {
        var (manifest, header) = await ReadHeaderAsync(sealedInput, cancellationToken);
        byte[] fileKey;
        try
        {
            fileKey = await masterKey.UnwrapAsync(manifest.WrappedFileKey, WrapContext(manifest), cancellationToken);
        }
        catch (MasterKeyUnavailableException)
        {
            throw new BackupIntegrityException($"The backup was sealed under master key {manifest.MasterKeyId}, which this region's key source does not hold (retired since, or another deployment's).");
        }
        catch (Exception ex) when (ex is CryptoIntegrityException or CryptographicException or ArgumentException)
        {
            throw new BackupIntegrityException("The backup's file key does not open with this region's master key: the header was changed, or the backup belongs to another region or deployment.");
        }

        try
        {
            using var aes = new AesGcm(fileKey, TagSize);
            var headerHash = SHA256.HashData(header);
            var prefix = new byte[5];
            var cipher = new byte[ChunkSize + TagSize];
            var buffer = new byte[ChunkSize];
            for (ulong index = 0; ; index++)
            {
                if (await ReadFullAsync(sealedInput, prefix, cancellationToken) != prefix.Length)
                {
                    throw new BackupIntegrityException("The backup ends before its last chunk: the file was cut short.");
                }

                var last = prefix[0] == 1;
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
                if (prefix[0] > 1 || length > ChunkSize || (!last && length != ChunkSize))
                {
                    throw new BackupIntegrityException($"Chunk {index} of the backup has an impossible header: the file was changed.");
                }

                if (await ReadFullAsync(sealedInput, cipher.AsMemory(0, length + TagSize), cancellationToken) != length + TagSize)
                {
                    throw new BackupIntegrityException("The backup ends inside a chunk: the file was cut short.");
                }

                try
                {
                    aes.Decrypt(Nonce(index), cipher.AsSpan(0, length), cipher.AsSpan(length, TagSize), buffer.AsSpan(0, length), AssociatedData(headerHash, index, last));
                }
                catch (AuthenticationTagMismatchException)
                {
                    throw new BackupIntegrityException($"Chunk {index} of the backup does not authenticate: the file was changed or its chunks reordered.");
                }

                await plain.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
                if (last)
                {
                    break;
                }
            }

            CryptographicOperations.ZeroMemory(buffer);
            if (await sealedInput.ReadAsync(prefix.AsMemory(0, 1), cancellationToken) != 0)
            {
                throw new BackupIntegrityException("The backup has bytes after its last chunk: the file was changed.");
            }

            return manifest;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    private static async Task<(BackupManifest Manifest, byte[] Header)> ReadHeaderAsync(Stream sealedInput, CancellationToken cancellationToken)
    {
        var prefix = new byte[Magic.Length + 4];
        if (await ReadFullAsync(sealedInput, prefix, cancellationToken) != prefix.Length || !prefix.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new BackupIntegrityException("Not a Confide backup file (its first bytes are not a backup header).");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(Magic.Length));
        if (length is 0 or > MaxHeaderBytes)
        {
            throw new BackupIntegrityException("The backup's header length is impossible: the file was changed.");
        }

        var header = new byte[length];
        if (await ReadFullAsync(sealedInput, header, cancellationToken) != header.Length)
        {
            throw new BackupIntegrityException("The backup ends inside its header: the file was cut short.");
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<BackupManifest>(header, Json);
            return manifest is { Format: BackupManifest.CurrentFormat, WrappedFileKey.Length: > 0 }
                ? (manifest, header)
                : throw new BackupIntegrityException($"The backup's header is not format {BackupManifest.CurrentFormat} (written by another version of Confide?).");
        }
        catch (JsonException)
        {
            throw new BackupIntegrityException("The backup's header is not valid: the file was changed.");
        }
    }

    /// <summary>Bound into the file key's wrap: a key moved to another backup's header does not unwrap.</summary>
    private static byte[] WrapContext(BackupManifest manifest) =>
        Encoding.UTF8.GetBytes($"confide-backup|{manifest.Region}|{manifest.Kind}|{manifest.BackupId}|{manifest.CreatedAt.ToUnixTimeMilliseconds()}");

    private static byte[] Nonce(ulong index)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private static byte[] AssociatedData(byte[] headerHash, ulong index, bool last)
    {
        var data = new byte[headerHash.Length + 9];
        headerHash.CopyTo(data, 0);
        BinaryPrimitives.WriteUInt64BigEndian(data.AsSpan(headerHash.Length), index);
        data[^1] = last ? (byte)1 : (byte)0;
        return data;
    }

    private static async Task<int> ReadFullAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
