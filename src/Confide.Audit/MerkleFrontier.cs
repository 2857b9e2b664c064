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
    // One slot per possible set bit of a (non-negative) long size; held flat so that an
    // append allocates nothing (the verifier appends once per exported entry).
    private const int MaxRoots = 63;

    private readonly byte[] _roots = new byte[MaxRoots * MerkleTree.HashSize];

    public MerkleFrontier()
    {
    }

    public long Size { get; private set; }

    private int Count => BitOperations.PopCount((ulong)Size);

    public void Append(ReadOnlySpan<byte> leafHash) => Append(leafHash, hasher: null);

    /// <summary>Appends with <paramref name="hasher"/>'s reused SHA-256 context (same hashes, less per-call cost).</summary>
    internal void Append(ReadOnlySpan<byte> leafHash, MerkleHasher? hasher)
    {
        Span<byte> hash = stackalloc byte[MerkleTree.HashSize];
        leafHash.CopyTo(hash);
        var count = Count;
        // Each trailing 1 bit of the size is a perfect subtree of the new leaf's height: merge.
        for (var size = Size; (size & 1) == 1; size >>= 1)
        {
            count--;
            if (hasher is null)
            {
                MerkleTree.NodeHash(Slot(count), hash, hash);
            }
            else
            {
                hasher.NodeHash(Slot(count), hash, hash);
            }
        }

        hash.CopyTo(Slot(count));
        Size++;
    }

    public byte[] Root()
    {
        var count = Count;
        if (count == 0)
        {
            return MerkleTree.EmptyRoot();
        }

        var root = Slot(count - 1).ToArray();
        for (var i = count - 2; i >= 0; i--)
        {
            MerkleTree.NodeHash(Slot(i), root, root);
        }

        return root;
    }

    public byte[] Serialize() => _roots.AsSpan(0, Count * MerkleTree.HashSize).ToArray();

    public static MerkleFrontier Deserialize(long size, ReadOnlySpan<byte> serialized)
    {
        var count = BitOperations.PopCount((ulong)size);
        if (size < 0 || serialized.Length != count * MerkleTree.HashSize)
        {
            throw new FormatException($"A frontier of a tree of {size} leaves has {count} hashes.");
        }

        var frontier = new MerkleFrontier { Size = size };
        serialized.CopyTo(frontier._roots);
        return frontier;
    }

    private Span<byte> Slot(int index) => _roots.AsSpan(index * MerkleTree.HashSize, MerkleTree.HashSize);
}
