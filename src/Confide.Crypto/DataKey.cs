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
    private readonly Lock _leaseLock = new();
    private long _encryptions;
    private long _allowance = long.MaxValue;
    private Func<(long From, long To)>? _lease;
    private AesGcm? _idleCipher;

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

    /// <summary>
    /// Makes the use count survive restarts: counting starts from <paramref name="reservedSoFar"/>
    /// (every use any process ever reserved for this key, used or not), and before the count
    /// passes what is reserved, <paramref name="reserve"/> durably reserves another block and
    /// returns it (from the previous total to the new one). A crash therefore loses only unused reservations, never uses.
    /// </summary>
    internal void CountAgainstReservations(long reservedSoFar, Func<(long From, long To)> reserve)
    {
        Interlocked.Exchange(ref _encryptions, reservedSoFar);
        lock (_leaseLock)
        {
            _allowance = reservedSoFar;
            _lease = reserve;
        }
    }

    /// <summary>Counts one encryption; throws once the limit is reached.</summary>
    internal void CountEncryption()
    {
        var count = Interlocked.Increment(ref _encryptions);
        if (count > MaxEncryptions)
        {
            throw new KeyUsageExhaustedException(Id);
        }

        if (count > Volatile.Read(ref _allowance))
        {
            lock (_leaseLock)
            {
                while (count > _allowance)
                {
                    var (from, to) = _lease?.Invoke() ?? throw new KeyUsageExhaustedException(Id);
                    if (to <= _allowance)
                    {
                        throw new InvalidOperationException($"Reserving uses of data key {Id} did not advance its reservation.");
                    }

                    // What other processes reserved meanwhile counts as used here: skip past it.
                    var skipped = from - _allowance;
                    if (skipped > 0)
                    {
                        count = Interlocked.Add(ref _encryptions, skipped);
                        if (count > MaxEncryptions)
                        {
                            throw new KeyUsageExhaustedException(Id);
                        }
                    }

                    _allowance = to;
                }
            }
        }
    }

    /// <summary>
    /// An AES-GCM instance for this key. Setting up the key schedule costs more than sealing a
    /// short field, so one idle instance is kept for reuse; an instance is never used by two
    /// threads at once (rented, then returned).
    /// </summary>
    internal AesGcm RentCipher() => Interlocked.Exchange(ref _idleCipher, null) ?? new AesGcm(_material, 16);

    internal void ReturnCipher(AesGcm cipher)
    {
        if (Interlocked.CompareExchange(ref _idleCipher, cipher, null) is not null)
        {
            cipher.Dispose();
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _idleCipher, null)?.Dispose();
        CryptographicOperations.ZeroMemory(_material);
    }
}
