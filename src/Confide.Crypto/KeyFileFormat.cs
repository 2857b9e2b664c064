using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confide.Crypto;

/// <summary>One master key version in a key file. <see cref="Key"/> is zeroed when the version is dropped.</summary>
internal sealed class MasterKeyVersion(Guid id, DateTimeOffset? createdAt, byte[] key)
{
    public Guid Id { get; } = id;

    /// <summary>Unknown (null) for a version read from a v1 file, which did not record it.</summary>
    public DateTimeOffset? CreatedAt { get; } = createdAt;

    public byte[] Key { get; } = key;

    public static MasterKeyVersion Generate(DateTimeOffset createdAt) =>
        new(Guid.NewGuid(), createdAt, RandomNumberGenerator.GetBytes(KeyFileFormat.KeySize));
}

/// <summary>
/// The bytes of a key file. Two formats, both read:
/// <list type="bullet">
/// <item>v1 (one version): <c>"CFDK" | 0x01 | key id (16) | key (32) | first 8 bytes of SHA-256 of the rest</c>.</item>
/// <item>v2 (several versions, current first):
/// <c>"CFDK" | 0x02 | count (2, big-endian) | count × [key id (16) | created, Unix ms (8, big-endian; 0 = unknown) | key (32)] | SHA-256 of everything before (32)</c>.</item>
/// </list>
/// Only v2 is written. The checksum catches truncation and bit rot; the file's integrity
/// against an attacker rests on its mode (0600) and on every unwrap being authenticated.
/// </summary>
internal static class KeyFileFormat
{
    public const int KeySize = 32;
    private const byte V1 = 0x01;
    private const byte V2 = 0x02;
    private const int V1Size = 4 + 1 + 16 + KeySize + 8;
    private const int V2Header = 4 + 1 + 2;
    private const int V2EntrySize = 16 + 8 + KeySize;
    private const int V2HashSize = 32;
    private static readonly byte[] Magic = "CFDK"u8.ToArray();

    /// <summary>The versions in <paramref name="bytes"/>, current first; null when the bytes are not a valid key file.</summary>
    public static List<MasterKeyVersion>? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 5 || !bytes[..4].SequenceEqual(Magic))
        {
            return null;
        }

        if (bytes[4] == V1)
        {
            return bytes.Length == V1Size && SHA256.HashData(bytes[..(V1Size - 8)])[..8].AsSpan().SequenceEqual(bytes[(V1Size - 8)..])
                ? [new MasterKeyVersion(new Guid(bytes.Slice(5, 16)), null, bytes.Slice(21, KeySize).ToArray())]
                : null;
        }

        if (bytes[4] != V2 || bytes.Length < V2Header)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(5, 2));
        var size = V2Header + (count * V2EntrySize) + V2HashSize;
        if (count == 0 || bytes.Length != size || !SHA256.HashData(bytes[..(size - V2HashSize)]).AsSpan().SequenceEqual(bytes[(size - V2HashSize)..]))
        {
            return null;
        }

        var versions = new List<MasterKeyVersion>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = bytes.Slice(V2Header + (i * V2EntrySize), V2EntrySize);
            var created = BinaryPrimitives.ReadInt64BigEndian(entry.Slice(16, 8));
            versions.Add(new MasterKeyVersion(
                new Guid(entry[..16]),
                created == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(created),
                entry.Slice(24, KeySize).ToArray()));
        }

        return versions.Select(v => v.Id).Distinct().Count() == count ? versions : null;
    }

    /// <summary>A v2 file holding <paramref name="versions"/>, the first being current. The caller zeroes the result.</summary>
    public static byte[] Write(IReadOnlyList<MasterKeyVersion> versions)
    {
        if (versions.Count is 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(versions), "A key file holds 1 to 65535 versions.");
        }

        var size = V2Header + (versions.Count * V2EntrySize) + V2HashSize;
        var bytes = new byte[size];
        Magic.CopyTo(bytes, 0);
        bytes[4] = V2;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(5, 2), (ushort)versions.Count);
        for (var i = 0; i < versions.Count; i++)
        {
            var entry = bytes.AsSpan(V2Header + (i * V2EntrySize), V2EntrySize);
            versions[i].Id.TryWriteBytes(entry[..16]);
            BinaryPrimitives.WriteInt64BigEndian(entry.Slice(16, 8), versions[i].CreatedAt?.ToUnixTimeMilliseconds() ?? 0);
            versions[i].Key.CopyTo(entry.Slice(24, KeySize));
        }

        SHA256.HashData(bytes.AsSpan(0, size - V2HashSize), bytes.AsSpan(size - V2HashSize));
        return bytes;
    }
}
