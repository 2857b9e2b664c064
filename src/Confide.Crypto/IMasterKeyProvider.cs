namespace Confide.Crypto;

/// <summary>
/// A region's master key (KEK). It only wraps and unwraps data keys; key material never leaves
/// it in any other form. Implementations: <see cref="KeyFileMasterKeyProvider"/> (default),
/// a PKCS#11 HSM, and later a cloud KMS, which is why the calls are asynchronous.
/// </summary>
public interface IMasterKeyProvider
{
    /// <summary>Where the key lives, for error messages and the key status report (never the key).</summary>
    string Source { get; }

    /// <summary>Id of the master key that new wraps use; stored in every wrapped key.</summary>
    Guid KeyId { get; }

    /// <param name="context">Bound into the wrap (e.g. workspace id and key purpose): a wrapped key moved elsewhere fails to unwrap.</param>
    ValueTask<byte[]> WrapAsync(ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);

    ValueTask<byte[]> UnwrapAsync(ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);
}
