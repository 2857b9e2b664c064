using System.Security.Cryptography;
using System.Text;

namespace Confide.Messaging.Messenger.Verification;

/// <summary>Compares a computed MAC with the one given; must take the same time wherever they differ.</summary>
internal delegate bool MacComparer(ReadOnlySpan<byte> computed, ReadOnlySpan<byte> given);

/// <summary>
/// Intercom's <c>user_hash</c>: hex HMAC-SHA256, keyed with the messenger secret, over the
/// user id (or, without one, the email). Upper- or lower-case hex.
/// </summary>
internal static class UserHash
{
    /// <summary>Constant-time: a comparison that stops at the first differing byte would let a caller find a valid hash byte by byte.</summary>
    public static readonly MacComparer FixedTime = CryptographicOperations.FixedTimeEquals;

    /// <summary>
    /// Whether <paramref name="userHash"/> is the MAC of <paramref name="subject"/> under any of
    /// <paramref name="keys"/>. Every key is tried, whichever matches, so the time taken does
    /// not tell which secret (or whether the first) matched.
    /// </summary>
    public static bool Matches(string userHash, string subject, IReadOnlyList<byte[]> keys, MacComparer? comparer = null)
    {
        comparer ??= FixedTime;
        if (userHash.Length != HMACSHA256.HashSizeInBytes * 2 || !TryDecodeHex(userHash, out var given))
        {
            return false;
        }

        var message = Encoding.UTF8.GetBytes(subject);
        var matched = false;
        Span<byte> computed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var key in keys)
        {
            HMACSHA256.HashData(key, message, computed);
            matched |= comparer(computed, given);
        }

        return matched;
    }

    /// <summary>The lower-case hex HMAC a customer's back end computes (for tests and examples).</summary>
    public static string Compute(string secret, string subject) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(subject)));

    private static bool TryDecodeHex(string hex, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
