using System.Security.Cryptography;

namespace Confide.Crypto;

/// <summary>
/// The stored form of a data key wrapped by a master key, the same for every provider:
/// <c>0x01 | master key id (16) | nonce (12) | AES-256-GCM(data key) (32) | tag (16)</c>, with
/// associated data <c>"confide.wrap.v1" | context</c>. Providers differ only in where the AES runs.
/// </summary>
internal static class WrappedKeyFormat
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Size = 1 + 16 + NonceSize + DataKey.SizeInBytes + TagSize;

    private const byte Version = 0x01;
    private static ReadOnlySpan<byte> Label => "confide.wrap.v1"u8;

    public static readonly Range Nonce = 17..(17 + NonceSize);
    public static readonly Range Ciphertext = Nonce.End..(Nonce.End.Value + DataKey.SizeInBytes);
    public static readonly Range Tag = Ciphertext.End..Size;

    /// <summary>A buffer with the header written and a fresh random nonce; the provider fills ciphertext and tag.</summary>
    public static byte[] Start(Guid masterKeyId)
    {
        var wrapped = new byte[Size];
        wrapped[0] = Version;
        masterKeyId.TryWriteBytes(wrapped.AsSpan(1, 16));
        RandomNumberGenerator.Fill(wrapped.AsSpan(Nonce));
        return wrapped;
    }

    /// <summary>The master key version a wrapped key names; <see cref="CryptoIntegrityException"/> for a malformed one.</summary>
    public static Guid MasterKeyIdOf(ReadOnlySpan<byte> wrapped) =>
        wrapped.Length == Size && wrapped[0] == Version
            ? new Guid(wrapped.Slice(1, 16))
            : throw new CryptoIntegrityException("The wrapped key is truncated or of an unknown format.");

    public static byte[] AssociatedData(ReadOnlySpan<byte> context) => [.. Label, .. context];
}
