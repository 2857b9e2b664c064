namespace Confide.Crypto;

/// <summary>
/// The versions of one key, newest first: the newest seals new values, and a stored value is
/// opened with whichever version its envelope names. Shared by the contact and workforce ciphers.
/// </summary>
internal sealed class KeyVersions(IReadOnlyList<DataKey> keys, string owner)
{
    /// <summary>The version new values are sealed with.</summary>
    public DataKey Current => keys[0];

    public byte[] Seal(FieldContext context, string value) => FieldCipher.EncryptString(keys[0], context, value);

    public byte[] Seal(FieldContext context, ReadOnlySpan<byte> value) => FieldCipher.Encrypt(keys[0], context, value);

    /// <summary>The plaintext bytes, or <see cref="CryptoIntegrityException"/> as for <see cref="Open(FieldContext, byte[])"/>.</summary>
    public byte[] OpenBytes(FieldContext context, byte[] sealedValue) => FieldCipher.Decrypt(KeyFor(context, sealedValue), context, sealedValue);

    /// <summary>The plaintext, or <see cref="CryptoIntegrityException"/> if the value does not authenticate or names a version not held.</summary>
    public string Open(FieldContext context, byte[] sealedValue) => FieldCipher.DecryptString(KeyFor(context, sealedValue), context, sealedValue);

    private DataKey KeyFor(FieldContext context, byte[] sealedValue)
    {
        var keyId = FieldCipher.KeyIdOf(sealedValue);
        return keys.FirstOrDefault(k => k.Id == keyId)
            ?? throw new CryptoIntegrityException($"{context.Entity}.{context.Field} was sealed with a key version {owner} does not have.");
    }
}
