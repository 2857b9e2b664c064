using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confide.Platform;

/// <summary>
/// Identifier formats. Entity ids are 24 lower-case hex characters (the shape Intercom uses):
/// 6 bytes of creation time in Unix milliseconds followed by 6 bytes that start random each
/// millisecond and step up by a random amount within it, so ids made by one process are
/// strictly increasing (lists are ordered by id; a cursor is the last id seen) and still
/// carry 48 bits that cannot be guessed from a neighbour. Workspace ids carry their region
/// (<c>eu_k3j9x2m4q8w1</c>) so any endpoint can tell where a workspace lives without a lookup.
/// </summary>
public static class PublicIds
{
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const int WorkspaceSuffixLength = 12;
    private static readonly SearchValues<char> Base32Chars = SearchValues.Create(Base32Alphabet);

    public static string NewEntityId(TimeProvider time)
    {
        Span<byte> bytes = stackalloc byte[12];
        var (milliseconds, sequence) = EntityIdClock.Next(time);
        BinaryPrimitives.WriteUInt64BigEndian(bytes, (milliseconds << 16) | (sequence >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[8..], (uint)sequence);
        return Convert.ToHexStringLower(bytes);
    }

    public static bool IsEntityId(string? value) =>
        value is { Length: 24 } && value.All(char.IsAsciiHexDigitLower);

    public static string NewWorkspaceId(Region region)
    {
        Span<char> suffix = stackalloc char[WorkspaceSuffixLength];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Base32Alphabet[RandomNumberGenerator.GetInt32(Base32Alphabet.Length)];
        }

        return $"{region.Code}_{suffix}";
    }

    /// <summary>Reads the region out of a workspace id; false for anything that is not one.</summary>
    public static bool TryGetWorkspaceRegion(string? workspaceId, out Region? region)
    {
        region = null;
        if (workspaceId is not { Length: 3 + WorkspaceSuffixLength } || workspaceId[2] != '_')
        {
            return false;
        }

        return workspaceId.AsSpan(3).IndexOfAnyExcept(Base32Chars) < 0
            && Region.TryParse(workspaceId[..2], out region);
    }
}

/// <summary>Keeps entity ids of this process strictly increasing, even within one millisecond or when the clock steps back.</summary>
internal static class EntityIdClock
{
    private const ulong SequenceMask = (1UL << 48) - 1;
    private static readonly Lock Gate = new();
    private static ulong _lastMilliseconds;
    private static ulong _lastSequence;

    public static (ulong Milliseconds, ulong Sequence) Next(TimeProvider time)
    {
        var now = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (Gate)
        {
            if (now > _lastMilliseconds)
            {
                _lastMilliseconds = now;
                _lastSequence = RandomSequence() >> 1; // leave room to step up within the millisecond
            }
            else
            {
                _lastSequence += 1 + (RandomSequence() & 0xFFFF);
                if (_lastSequence > SequenceMask)
                {
                    _lastMilliseconds++;
                    _lastSequence = RandomSequence() >> 1;
                }
            }

            return (_lastMilliseconds, _lastSequence);
        }
    }

    private static ulong RandomSequence()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes) & SequenceMask;
    }
}
