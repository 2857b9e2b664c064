using System.Security.Cryptography;
using System.Text;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Crypto;

/// <summary>
/// A region's signing keys (ECDSA P-256 with SHA-256), one current key per purpose. The private
/// key is stored only wrapped by the region's master key and held unwrapped in memory only; the
/// public key is published so anyone can check what the region signed.
/// </summary>
public sealed class RegionSigningKeys(MasterKeys masterKeys, TimeProvider time) : IDisposable
{
    private readonly Dictionary<(Region, string), RegionSigner> _signers = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>What the wrap binds the private key to: region, purpose and key id.</summary>
    public static byte[] WrapContext(Region region, string purpose, string keyId) =>
        Encoding.UTF8.GetBytes($"confide.signing-key/{region.Code}/{purpose}/{keyId}");

    /// <summary>First 16 hex digits of SHA-256 over the DER SubjectPublicKeyInfo.</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> publicKey) => Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];

    /// <summary>Creates the purpose's first key in the region if it has none.</summary>
    public async Task EnsureAsync(CellDatabase cell, string purpose, CancellationToken cancellationToken)
    {
        await using (var db = cell.CreateReadContext())
        {
            if (await db.SigningKeys.AnyAsync(k => k.Purpose == purpose && k.RetiredAt == null, cancellationToken))
            {
                return;
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var id = KeyIdOf(publicKey);
        var provider = masterKeys.For(cell.Region);
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            // Another process of the same region may have created one meanwhile: keep that one.
            if (await db.SigningKeys.AnyAsync(k => k.Purpose == purpose && k.RetiredAt == null, ct))
            {
                return;
            }

            // Wrapped inside the unit, after entering the fence: a master-key rotation cannot miss it.
            var wrapped = await MasterKeyFences.WrapInsideAsync(db, cell.Region, () => WrapPrivateKeyAsync(provider, key, cell.Region, purpose, id, ct), WrappedMasterKeyId, ct);
            // The version the bytes name, not the one current a moment before: a rotation may have come between.
            var masterKeyId = WrappedKeyFormat.MasterKeyIdOf(wrapped);
            db.SigningKeys.Add(new SigningKey
            {
                Id = id,
                Purpose = purpose,
                PublicKey = publicKey,
                WrappedPrivateKey = wrapped,
                MasterKeyId = masterKeyId,
                CreatedAt = time.GetUtcNow(),
            });
        }, cancellationToken);
    }

    private static IEnumerable<Guid> WrappedMasterKeyId(byte[] wrapped) => [WrappedKeyFormat.MasterKeyIdOf(wrapped)];

    private static async Task<byte[]> WrapPrivateKeyAsync(IMasterKeyProvider provider, ECDsa key, Region region, string purpose, string id, CancellationToken ct)
    {
        // The private scalar of a P-256 key is 32 bytes, the size master keys wrap.
        var privateKey = key.ExportParameters(includePrivateParameters: true).D!;
        try
        {
            return await provider.WrapAsync(privateKey, WrapContext(region, purpose, id), ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>The current signer of the purpose in the region (oldest key not retired).</summary>
    public async Task<RegionSigner> SignerAsync(CellDatabase cell, string purpose, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_signers.TryGetValue((cell.Region, purpose), out var cached))
            {
                return cached;
            }

            SigningKey stored;
            await using (var db = cell.CreateReadContext())
            {
                stored = await db.SigningKeys.Where(k => k.Purpose == purpose && k.RetiredAt == null).OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).FirstOrDefaultAsync(cancellationToken)
                    ?? throw new MasterKeyUnavailableException($"Region '{cell.Region}' has no '{purpose}' signing key.");
            }

            var privateKey = await masterKeys.For(cell.Region).UnwrapAsync(stored.WrappedPrivateKey, WrapContext(cell.Region, purpose, stored.Id), cancellationToken);
            try
            {
                using var published = ECDsa.Create();
                published.ImportSubjectPublicKeyInfo(stored.PublicKey, out _);
                var parameters = published.ExportParameters(includePrivateParameters: false);
                parameters.D = privateKey;
                var key = ECDsa.Create();
                // ImportParameters checks that the private scalar belongs to the published point.
                key.ImportParameters(parameters);
                if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(stored.PublicKey))
                {
                    key.Dispose();
                    throw new CryptoIntegrityException($"Region '{cell.Region}': the '{purpose}' signing key does not match its published public key.");
                }

                var signer = new RegionSigner(stored.Id, key);
                _signers[(cell.Region, purpose)] = signer;
                return signer;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(privateKey);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every key of the purpose in the region, retired ones included (they still verify older signatures).</summary>
    public static async Task<IReadOnlyList<SigningKey>> PublicKeysAsync(CellDatabase cell, string purpose, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        return await db.SigningKeys.Where(k => k.Purpose == purpose).OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(cancellationToken);
    }

    public void Dispose()
    {
        foreach (var signer in _signers.Values)
        {
            signer.Dispose();
        }

        _gate.Dispose();
    }
}

/// <summary>Signs with one region key: ECDSA P-256 over SHA-256, DER-encoded signature (as OpenSSL writes it).</summary>
public sealed class RegionSigner(string keyId, ECDsa key) : IDisposable
{
    private readonly Lock _lock = new();

    public string KeyId { get; } = keyId;

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            return key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
    }

    public void Dispose() => key.Dispose();
}
