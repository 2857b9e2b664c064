using System.Numerics;

namespace Confide.Audit;

/// <summary>
/// The right edge of an append-only Merkle tree: the roots of the perfect subtrees that the
/// first <see cref="Size"/> leaves decompose into (one per set bit of the size, largest first).
/// Appending costs one node hash on average and the root is a fold of at most 64 hashes, so a
/// log is checkpointed, and an export verified, in one pass without holding its leaves.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<byte[]> _roots;

    public MerkleFrontier()
        : this(0, [])
    {
    }

    private MerkleFrontier(long size, List<byte[]> roots)
    {
        Size = size;
        _roots = roots;
    }

    public long Size { get; private set; }

    public void Append(ReadOnlySpan<byte> leafHash)
    {
        var hash = leafHash.ToArray();
        // Each trailing 1 bit of the size is a perfect subtree of the new leaf's height: merge.
        for (var size = Size; (size & 1) == 1; size >>= 1)
        {
            MerkleTree.NodeHash(_roots[^1], hash, hash);
            _roots.RemoveAt(_roots.Count - 1);
        }

        _roots.Add(hash);
        Size++;
    }

    public byte[] Root()
    {
        if (_roots.Count == 0)
        {
            return MerkleTree.EmptyRoot();
        }

        var root = (byte[])_roots[^1].Clone();
        for (var i = _roots.Count - 2; i >= 0; i--)
        {
            MerkleTree.NodeHash(_roots[i], root, root);
        }

        return root;
    }

    public byte[] Serialize() => [.. _roots.SelectMany(r => r)];

    public static MerkleFrontier Deserialize(long size, ReadOnlySpan<byte> serialized)
    {
        var count = BitOperations.PopCount((ulong)size);
        if (size < 0 || serialized.Length != count * MerkleTree.HashSize)
        {
            throw new FormatException($"A frontier of a tree of {size} leaves has {count} hashes.");
        }

        var roots = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            roots.Add(serialized.Slice(i * MerkleTree.HashSize, MerkleTree.HashSize).ToArray());
        }

        return new MerkleFrontier(size, roots);
    }
}
