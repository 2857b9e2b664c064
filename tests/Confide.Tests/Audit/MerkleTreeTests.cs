using Confide.Audit;

namespace Confide.Tests.Audit;

/// <summary>RFC 9162 trees: known roots, the incremental frontier, and proofs that verify only when right.</summary>
public sealed class MerkleTreeTests
{
    // The leaves and roots of the Certificate Transparency reference tests (RFC 6962 hashing, which RFC 9162 keeps).
    private static readonly byte[][] ReferenceLeaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly string[] ReferenceRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Root_MatchesTheReferenceVectors_AndTheFrontierAgrees()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(MerkleTree.EmptyRoot()));
        var leaves = ReferenceLeaves.Select(l => MerkleTree.LeafHash(l)).ToList();
        var frontier = new MerkleFrontier();
        for (var n = 1; n <= leaves.Count; n++)
        {
            frontier.Append(leaves[n - 1]);
            Assert.Equal(ReferenceRoots[n - 1], Convert.ToHexStringLower(MerkleTree.Root(leaves[..n])));
            Assert.Equal(ReferenceRoots[n - 1], Convert.ToHexStringLower(frontier.Root()));
        }
    }

    [Fact]
    public void Frontier_SerializedAndRestored_ContinuesToTheSameRoots()
    {
        var leaves = Leaves(300);
        var frontier = new MerkleFrontier();
        for (var n = 0; n < leaves.Count; n++)
        {
            frontier = MerkleFrontier.Deserialize(frontier.Size, frontier.Serialize());
            frontier.Append(leaves[n]);
            Assert.Equal(MerkleTree.Root(leaves[..(n + 1)]), frontier.Root());
        }

        Assert.Throws<FormatException>(() => MerkleFrontier.Deserialize(300, new byte[32]));
    }

    [Fact]
    public void InclusionProofs_VerifyForEveryLeafAndSize_AndFailForAnyOtherLeafOrRoot()
    {
        var leaves = Leaves(33);
        for (var size = 1; size <= leaves.Count; size++)
        {
            var root = MerkleTree.Root(leaves[..size]);
            for (var index = 0; index < size; index++)
            {
                var path = MerkleTree.InclusionProof(leaves, index, size);
                Assert.True(MerkleTree.VerifyInclusion(index, size, leaves[index], path, root), $"leaf {index} of {size}");
                Assert.False(MerkleTree.VerifyInclusion(index, size, leaves[(index + 1) % leaves.Count], path, root));
                Assert.False(MerkleTree.VerifyInclusion(index, size, leaves[index], path, MerkleTree.EmptyRoot()));
                if (size > 1)
                {
                    Assert.False(MerkleTree.VerifyInclusion((index + 1) % size, size, leaves[index], path, root));
                }
            }
        }
    }

    [Fact]
    public void ConsistencyProofs_VerifyForEveryPairOfSizes_AndFailForAnyAlteredLeaf()
    {
        var leaves = Leaves(33);
        var forged = leaves.ToList();
        forged[5] = MerkleTree.LeafHash([0xff]);
        for (var second = 1; second <= leaves.Count; second++)
        {
            var secondRoot = MerkleTree.Root(leaves[..second]);
            for (var first = 1; first <= second; first++)
            {
                var firstRoot = MerkleTree.Root(leaves[..first]);
                var proof = MerkleTree.ConsistencyProof(leaves, first, second);
                Assert.True(MerkleTree.VerifyConsistency(first, second, firstRoot, secondRoot, proof), $"{first} -> {second}");
                if (first > 5)
                {
                    // A history rewritten inside the first tree cannot be proven an extension of it.
                    var forgedRoot = MerkleTree.Root(forged[..second]);
                    Assert.False(MerkleTree.VerifyConsistency(first, second, firstRoot, forgedRoot, MerkleTree.ConsistencyProof(forged, first, second)));
                }
            }
        }
    }

    private static List<byte[]> Leaves(int count) =>
        [.. Enumerable.Range(0, count).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i)))];
}
