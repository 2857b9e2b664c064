namespace Confide.Crypto;

/// <summary>
/// A region's master key (KEK). It only wraps and unwraps data keys; key material never leaves
/// it in any other form. Implementations: <see cref="KeyFileMasterKeyProvider"/> (default),
/// a PKCS#11 HSM, and later a cloud KMS, which is why the calls are asynchronous.
/// A provider may hold several key versions: new wraps use <see cref="KeyId"/>; older versions
/// only unwrap, until a rotation has re-wrapped everything and retires them.
/// </summary>
public interface IMasterKeyProvider
{
    /// <summary>Where the key lives, for error messages and the key status report (never the key).</summary>
    string Source { get; }

    /// <summary>Id of the master key version that new wraps use; stored in every wrapped key.</summary>
    Guid KeyId { get; }

    /// <summary>Every version held, current first.</summary>
    IReadOnlyList<Guid> KeyIds { get; }

    /// <param name="context">Bound into the wrap (e.g. workspace id and key purpose): a wrapped key moved elsewhere fails to unwrap.</param>
    ValueTask<byte[]> WrapAsync(ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);

    /// <summary>Unwraps under whichever held version the wrapped key names; <see cref="MasterKeyUnavailableException"/> if that version is not held.</summary>
    ValueTask<byte[]> UnwrapAsync(ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);

    /// <summary>Creates a new version and makes it current. Older versions keep unwrapping.</summary>
    ValueTask<Guid> RotateAsync(CancellationToken cancellationToken = default);

    /// <summary>Destroys an older version once nothing is wrapped under it any more. The current version cannot be retired.</summary>
    ValueTask RetireAsync(Guid keyId, CancellationToken cancellationToken = default);
}
