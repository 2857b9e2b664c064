using System.Globalization;
using System.Security.Cryptography;
using Confide.Platform;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Confide.Crypto;

/// <summary>
/// A region's master key in a PKCS#11 HSM. Each version is an AES-256 secret key object on the
/// token (sensitive, never extractable, encrypt/decrypt only) with
/// <c>CKA_LABEL = "&lt;KeyLabel&gt;#&lt;n&gt;"</c> and <c>CKA_ID</c> = the 16 bytes of the version's id.
/// The newest version is the one with the highest <c>n</c> (ties, from two concurrent rotations,
/// go to the higher id, so every process agrees); rotation creates <c>n + 1</c>.
/// Wrapped keys: <c>0x01 | master key id (16) | IV (12) | AES-256-GCM(data key) (32) | tag (16)</c>,
/// encrypted inside the HSM (C_Encrypt, CKM_AES_GCM), the same layout as key files.
/// Another process (the CLI) may rotate or retire versions while a server runs: every wrap
/// first searches the token, so it uses the newest version, and an unwrap naming a version
/// not seen yet searches once more.
/// </summary>
public sealed class Pkcs11MasterKeyProvider : IMasterKeyProvider, IDisposable
{
    private const int IvSize = WrappedKeyFormat.NonceSize;
    private const int TagSize = WrappedKeyFormat.TagSize;

    private readonly string _owner;
    private readonly string _keyLabel;
    private readonly Pkcs11Token _token;
    private volatile IReadOnlyList<Pkcs11KeyVersion> _versions = [];
    private int _disposed;

    private Pkcs11MasterKeyProvider(string owner, Pkcs11Token token, string library, string keyLabel)
    {
        _owner = owner;
        _token = token;
        _keyLabel = keyLabel;
        Source = $"PKCS#11 token '{token.Label}' ({library}), key label '{keyLabel}'";
    }

    public string Source { get; }

    /// <summary>The current version as the token says now (searched again; if the token cannot be reached, as last seen).</summary>
    public Guid KeyId => Current(TryRefresh()).Id;

    public IReadOnlyList<Guid> KeyIds => [.. TryRefresh().Select(v => v.Id)];

    public static Pkcs11MasterKeyProvider Open(Region region, string library, string tokenLabel, string pin, string keyLabel, bool createIfMissing) =>
        Open($"Region '{region}'", library, tokenLabel, pin, keyLabel, createIfMissing);

    /// <summary>Logs in to the token and finds the key versions; creates the first one only when <paramref name="createIfMissing"/> (first start).</summary>
    /// <param name="owner">What the key protects, as error messages name it (e.g. <c>Region 'eu'</c>).</param>
    public static Pkcs11MasterKeyProvider Open(string owner, string library, string tokenLabel, string pin, string keyLabel, bool createIfMissing)
    {
        var token = Pkcs11Token.Acquire(owner, library, tokenLabel, pin);
        var provider = new Pkcs11MasterKeyProvider(owner, token, library, keyLabel);
        try
        {
            var versions = provider.Refresh();
            if (versions.Count == 0)
            {
                if (!createIfMissing)
                {
                    throw new MasterKeyUnavailableException(
                        $"{owner}: {provider.Source} holds no master key, but this region has data wrapped with one. Restore the key objects (HSM backup) or point TokenLabel/KeyLabel at the right token.");
                }

                provider.Generate(onlyIfNone: true);
            }

            return provider;
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    public ValueTask<Guid> RotateAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Generate(onlyIfNone: false));

    public ValueTask RetireAsync(Guid keyId, CancellationToken cancellationToken = default)
    {
        var versions = Refresh();
        if (versions.Count > 0 && versions[0].Id == keyId)
        {
            throw new InvalidOperationException($"{_owner}: master key {keyId} is the current version and cannot be retired; rotate first.");
        }

        var version = versions.FirstOrDefault(v => v.Id == keyId)
            ?? throw new MasterKeyUnavailableException($"{_owner}: {Source} holds no master key {keyId}.");
        _token.RunExclusive(session =>
        {
            session.DestroyObject(version.Handle);
            return true;
        });
        Refresh();
        return ValueTask.CompletedTask;
    }

    public ValueTask<byte[]> WrapAsync(ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        if (dataKey.Length != DataKey.SizeInBytes)
        {
            throw new ArgumentException($"Data keys are {DataKey.SizeInBytes} bytes.", nameof(dataKey));
        }

        // Wraps are rare (a new workspace, a rotation): one search per wrap keeps them on the
        // newest version even when another process has just rotated.
        IReadOnlyList<Pkcs11KeyVersion> versions;
        try
        {
            versions = Refresh();
        }
        catch (Pkcs11Exception ex)
        {
            throw new MasterKeyUnavailableException($"{_owner}: {Source} cannot be searched ({ex.RV}); refusing to wrap under a key that may be gone.");
        }

        var current = Current(versions);
        var wrapped = WrappedKeyFormat.Start(current.Id);
        var iv = wrapped[WrappedKeyFormat.Nonce];
        var plaintext = dataKey.ToArray();
        try
        {
            var sealedKey = Gcm(current, iv, context.Span, plaintext, encrypt: true);
            if (sealedKey.Length != DataKey.SizeInBytes + TagSize)
            {
                throw new CryptographicException($"{Source} returned {sealedKey.Length} bytes for AES-GCM of a data key; expected {DataKey.SizeInBytes + TagSize}.");
            }

            sealedKey.CopyTo(wrapped.AsSpan(WrappedKeyFormat.Ciphertext.Start.Value));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return ValueTask.FromResult(wrapped);
    }

    public ValueTask<byte[]> UnwrapAsync(ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        var wrapped = wrappedKey.Span;
        var wrappedUnder = WrappedKeyFormat.MasterKeyIdOf(wrapped);
        // Perhaps rotated by another process since we last searched the token.
        var version = Find(_versions, wrappedUnder) ?? Find(TryRefresh(), wrappedUnder) ?? throw new MasterKeyUnavailableException(
            $"{_owner}: a data key was wrapped with master key {wrappedUnder}, but {Source} holds master key(s) {string.Join(", ", _versions.Select(v => v.Id))}.");
        var iv = wrapped[WrappedKeyFormat.Nonce].ToArray();
        var sealedKey = wrapped[WrappedKeyFormat.Ciphertext.Start..].ToArray();
        try
        {
            return ValueTask.FromResult(Gcm(version, iv, context.Span, sealedKey, encrypt: false));
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_GENERAL_ERROR)
        {
            // The standard's answer to a tag mismatch is CKR_ENCRYPTED_DATA_INVALID; SoftHSM2 2.6 answers CKR_GENERAL_ERROR.
            throw new CryptoIntegrityException("A wrapped data key failed authentication (altered, moved or wrapped for another context).");
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID)
        {
            TryRefresh();
            throw new MasterKeyUnavailableException($"{_owner}: master key {wrappedUnder} was removed from {Source} (retired by another process?).");
        }
    }

    /// <summary>AES-256-GCM inside the HSM with a 128-bit tag; the associated data binds the wrap label and the caller's context.</summary>
    private byte[] Gcm(Pkcs11KeyVersion version, byte[] iv, ReadOnlySpan<byte> context, byte[] input, bool encrypt)
    {
        var associatedData = WrappedKeyFormat.AssociatedData(context);
        return _token.Run(session =>
        {
            var factories = session.Factories;
            using var parameters = factories.MechanismParamsFactory.CreateCkGcmParams(iv, IvSize * 8, associatedData, TagSize * 8);
            using var mechanism = factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            return encrypt ? session.Encrypt(mechanism, version.Handle, input) : session.Decrypt(mechanism, version.Handle, input);
        });
    }

    /// <summary>
    /// Creates version <c>n + 1</c> (the search and the creation run exclusively, so two rotations
    /// in this process never pick the same <c>n</c>) and returns the current version's id.
    /// </summary>
    private Guid Generate(bool onlyIfNone)
    {
        _token.RunExclusive(session =>
        {
            var versions = Pkcs11KeyVersion.FindAll(session, _keyLabel);
            if (onlyIfNone && versions.Count > 0)
            {
                return versions[0].Id;
            }

            var serial = versions.Count == 0 ? 1 : versions.Max(v => v.Serial) + 1;
            var id = Guid.NewGuid();
            Pkcs11KeyVersion.Generate(session, $"{_keyLabel}#{serial.ToString(CultureInfo.InvariantCulture)}", id);
            return id;
        });
        return Current(Refresh()).Id;
    }

    private Pkcs11KeyVersion Current(IReadOnlyList<Pkcs11KeyVersion> versions) =>
        versions.Count > 0 ? versions[0] : throw new MasterKeyUnavailableException($"{_owner}: {Source} holds no master key any more.");

    private static Pkcs11KeyVersion? Find(IReadOnlyList<Pkcs11KeyVersion> versions, Guid keyId) => versions.FirstOrDefault(v => v.Id == keyId);

    /// <summary>Searches the token for this label's versions, newest first, and remembers them.</summary>
    private IReadOnlyList<Pkcs11KeyVersion> Refresh() => _versions = _token.Run(session => Pkcs11KeyVersion.FindAll(session, _keyLabel));

    private IReadOnlyList<Pkcs11KeyVersion> TryRefresh()
    {
        try
        {
            return Refresh();
        }
        catch (Pkcs11Exception)
        {
            return _versions;
        }
    }

    /// <summary>For tests: runs <paramref name="action"/> with a session and the object of version <paramref name="keyId"/>.</summary>
    internal T WithKeyObject<T>(Guid keyId, Func<ISession, IObjectHandle, T> action)
    {
        var version = Find(Refresh(), keyId) ?? throw new MasterKeyUnavailableException($"{_owner}: {Source} holds no master key {keyId}.");
        return _token.Run(session => action(session, version.Handle));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _token.Dispose();
        }
    }
}
