using System.Security.Cryptography;

namespace Confide.Crypto;

/// <summary>
/// An unwrapped 256-bit data key (workspace or contact key) with its identity. It counts its
/// encryptions and refuses more than <see cref="MaxEncryptions"/>: random 96-bit GCM nonces
/// stay far from collision only while one key encrypts far fewer than 2^32 messages.
/// The key bytes live only in memory and are zeroed on dispose.
/// </summary>
public sealed class DataKey : IDisposable
{
    /// <summary>2^24 encryptions per key version: a nonce-collision chance below 2^-48.</summary>
    public const long MaxEncryptions = 1L << 24;

    public const int SizeInBytes = 32;

    private readonly byte[] _material;
    private long _encryptions;

    public DataKey(Guid id, ReadOnlySpan<byte> material, long encryptionsSoFar = 0)
    {
        if (material.Length != SizeInBytes)
        {
            throw new ArgumentException($"A data key is {SizeInBytes} bytes.", nameof(material));
        }

        Id = id;
        _material = material.ToArray();
        _encryptions = encryptionsSoFar;
    }

    /// <summary>Identifies this key version in every ciphertext it produces.</summary>
    public Guid Id { get; }

    public long Encryptions => Interlocked.Read(ref _encryptions);

    public static DataKey Generate() => new(Guid.NewGuid(), RandomNumberGenerator.GetBytes(SizeInBytes));

    internal ReadOnlySpan<byte> Material => _material;

    /// <summary>Counts one encryption; throws once the limit is reached.</summary>
    internal void CountEncryption()
    {
        if (Interlocked.Increment(ref _encryptions) > MaxEncryptions)
        {
            throw new KeyUsageExhaustedException(Id);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_material);
}
