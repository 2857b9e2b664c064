namespace Confide.Platform;

/// <summary>
/// The header every sealed value starts with: <c>format (1 byte) | key id (16)</c>, then nonce,
/// ciphertext and tag (see <c>FieldCipher</c>). Lives here so the data layer can tell which key
/// version a stored value names without being able to decrypt it.
/// </summary>
public static class SealedEnvelope
{
    public const byte FormatVersion = 0x01;

    public const int KeyIdSize = 16;

    /// <summary>The key id a value was sealed under; false for bytes that are not a sealed value.</summary>
    public static bool TryKeyIdOf(ReadOnlySpan<byte> value, out Guid keyId)
    {
        if (value.Length <= KeyIdSize || value[0] != FormatVersion)
        {
            keyId = Guid.Empty;
            return false;
        }

        keyId = new Guid(value.Slice(1, KeyIdSize));
        return true;
    }
}
