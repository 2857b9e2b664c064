using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confide.Identity.TwoFactor;

/// <summary>RFC 6238 time-based one-time passwords: HMAC-SHA1, 30-second steps, 6 digits (what authenticator apps use).</summary>
internal static class Totp
{
    public const int StepSeconds = 30;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    public static int Code(byte[] key, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
        // RFC 6238's default and what every authenticator app computes; HMAC-SHA1 is not weakened by SHA-1's collisions.
#pragma warning disable CA5350
        HMACSHA1.HashData(key, counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fffffff;
        return binary % 1_000_000;
    }

    /// <summary>The step (now, one before or one after, for clock drift) whose code is <paramref name="code"/>, or null.</summary>
    public static long? MatchingStep(byte[] key, string code, DateTimeOffset now)
    {
        if (code.Length != 6 || !int.TryParse(code, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var current = StepAt(now);
        long? match = null;
        // Check every candidate (no early exit) so timing does not tell which step matched.
        for (var step = current - 1; step <= current + 1; step++)
        {
            if (CryptographicOperations.FixedTimeEquals(BitConverter.GetBytes(Code(key, step)), BitConverter.GetBytes(value)))
            {
                match ??= step;
            }
        }

        return match;
    }
}
