using System.Security.Cryptography;
using System.Text;

namespace Confide.Crypto;

/// <summary>
/// AES-256-GCM for one field value, in a self-describing envelope:
/// <c>format (1 byte = 0x01) | key id (16) | nonce (12) | ciphertext (n) | tag (16)</c>.
/// The nonce is random per encryption; the associated data binds the value's
/// <see cref="FieldContext"/> and the key id. Any failure to authenticate is a
/// <see cref="CryptoIntegrityException"/>.
/// </summary>
public static class FieldCipher
{
    public const byte FormatVersion = Platform.SealedEnvelope.FormatVersion;
    private const int KeyIdSize = Platform.SealedEnvelope.KeyIdSize;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + KeyIdSize + NonceSize;
    private const int MaxStackAssociatedData = 512;

#if CONFIDE_NULL_CIPHER
    /// <summary>True only in benchmark builds whose "encryption" is a copy; they must never serve real data.</summary>
    public const bool IsNullCipherBuild = true;
#else
    public const bool IsNullCipherBuild = false;
#endif

    /// <summary>Bytes added to every plaintext.</summary>
    public const int Overhead = HeaderSize + TagSize;

    public static byte[] Encrypt(DataKey key, FieldContext context, ReadOnlySpan<byte> plaintext)
    {
        key.CountEncryption();
        var envelope = new byte[Overhead + plaintext.Length];
        envelope[0] = FormatVersion;
        key.Id.TryWriteBytes(envelope.AsSpan(1, KeyIdSize));
        var nonce = envelope.AsSpan(1 + KeyIdSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var length = context.AssociatedDataLength;
        Span<byte> associatedData = length <= MaxStackAssociatedData ? stackalloc byte[length] : new byte[length];
        context.WriteAssociatedData(key.Id, associatedData);
#if CONFIDE_NULL_CIPHER
        plaintext.CopyTo(envelope.AsSpan(HeaderSize));
#else
        var aes = key.RentCipher();
        try
        {
            aes.Encrypt(
                nonce,
                plaintext,
                envelope.AsSpan(HeaderSize, plaintext.Length),
                envelope.AsSpan(HeaderSize + plaintext.Length, TagSize),
                associatedData);
        }
        finally
        {
            key.ReturnCipher(aes);
        }
#endif

        return envelope;
    }

    public static byte[] EncryptString(DataKey key, FieldContext context, string plaintext) =>
        Encrypt(key, context, Encoding.UTF8.GetBytes(plaintext));

    /// <summary>The key id an envelope was written under, so the caller can fetch that key version.</summary>
    public static Guid KeyIdOf(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < Overhead || envelope[0] != FormatVersion)
        {
            throw new CryptoIntegrityException("The ciphertext is truncated or of an unknown format.");
        }

        return new Guid(envelope.Slice(1, KeyIdSize));
    }

    public static byte[] Decrypt(DataKey key, FieldContext context, ReadOnlySpan<byte> envelope)
    {
        if (KeyIdOf(envelope) != key.Id)
        {
            throw new CryptoIntegrityException("The ciphertext was written under another key version.");
        }

        var length = envelope.Length - Overhead;
        var plaintext = new byte[length];
        var associatedDataLength = context.AssociatedDataLength;
        Span<byte> associatedData = associatedDataLength <= MaxStackAssociatedData ? stackalloc byte[associatedDataLength] : new byte[associatedDataLength];
        context.WriteAssociatedData(key.Id, associatedData);
#if CONFIDE_NULL_CIPHER
        envelope.Slice(HeaderSize, length).CopyTo(plaintext);
#else
        var aes = key.RentCipher();
        try
        {
            aes.Decrypt(
                envelope.Slice(1 + KeyIdSize, NonceSize),
                envelope.Slice(HeaderSize, length),
                envelope.Slice(HeaderSize + length, TagSize),
                plaintext,
                associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new CryptoIntegrityException($"The ciphertext of {context.Entity}.{context.Field} failed authentication (altered, moved or under the wrong key).");
        }
        finally
        {
            key.ReturnCipher(aes);
        }
#endif

        return plaintext;
    }

    public static string DecryptString(DataKey key, FieldContext context, ReadOnlySpan<byte> envelope) =>
        Encoding.UTF8.GetString(Decrypt(key, context, envelope));
}
