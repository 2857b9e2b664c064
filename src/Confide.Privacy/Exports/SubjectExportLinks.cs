using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Confide.Privacy.Exports;

/// <summary>
/// Download tokens: <c>base64url(expiry (8, big-endian Unix seconds) | HMAC-SHA256)</c>, the MAC
/// keyed from the export's own key over the export id and the expiry. Nothing is stored: a token
/// is valid for its export until it expires (short-lived, not one-time), and deleting the export
/// (its key with it) voids every token at once.
/// </summary>
internal static class SubjectExportLinks
{
    private const int MacSize = 32;

    public static string Token(byte[] exportKey, string exportId, DateTimeOffset expiresAt)
    {
        var token = new byte[8 + MacSize];
        BinaryPrimitives.WriteInt64BigEndian(token, expiresAt.ToUnixTimeSeconds());
        Mac(exportKey, exportId, token.AsSpan(0, 8), token.AsSpan(8));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>True when <paramref name="token"/> was made for this export and has not expired (constant-time comparison).</summary>
    public static bool IsValid(byte[] exportKey, string exportId, string? token, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != 8 + MacSize || BinaryPrimitives.ReadInt64BigEndian(bytes) <= now.ToUnixTimeSeconds())
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacSize];
        Mac(exportKey, exportId, bytes.AsSpan(0, 8), expected);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(8));
    }

    private static void Mac(byte[] exportKey, string exportId, ReadOnlySpan<byte> expiry, Span<byte> mac)
    {
        var linkKey = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, exportKey, linkKey, [], "confide.subject_export.link"u8);
        var message = Encoding.ASCII.GetBytes(exportId).Concat(expiry.ToArray()).ToArray();
        HMACSHA256.HashData(linkKey, message, mac);
        CryptographicOperations.ZeroMemory(linkKey);
    }
}
