using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confide.Platform;

/// <summary>
/// Identifier formats. Entity ids are 24 lower-case hex characters (the shape Intercom uses):
/// 4 bytes of creation time in seconds followed by 8 random bytes, so ids sort roughly by
/// creation and a cursor can be the last id seen. Workspace ids carry their region
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
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)time.GetUtcNow().ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(bytes[4..]);
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
