using System.Security.Cryptography;

namespace Confide.Audit;

/// <summary>
/// The leaf and node hashes of <see cref="MerkleTree"/> on one reused SHA-256 context, for
/// loops that hash every entry of a log. Why: <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>
/// creates and frees an OpenSSL digest context per call, which costs more than hashing a
/// 65-byte node; reusing one context roughly halves a node hash. Not thread-safe.
/// </summary>
internal sealed class MerkleHasher : IDisposable
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _leaf = new byte[1024];

    /// <summary>SHA-256(0x00 || entry), as <see cref="MerkleTree.LeafHash(ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public void LeafHash(ReadOnlySpan<byte> entry, Span<byte> destination)
    {
        // Prefix and entry in one buffer: one call into OpenSSL instead of two.
        var length = entry.Length + 1;
        if (_leaf.Length < length)
        {
            _leaf = new byte[Math.Max(length, 2 * _leaf.Length)];
        }

        _leaf[0] = 0x00;
        entry.CopyTo(_leaf.AsSpan(1));
        _sha256.AppendData(_leaf, 0, length);
        _sha256.GetHashAndReset(destination);
    }

    /// <summary>SHA-256(0x01 || left || right), as <see cref="MerkleTree.NodeHash(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>; <paramref name="destination"/> may overlap either input.</summary>
    public void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * MerkleTree.HashSize)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + MerkleTree.HashSize)..]);
        _sha256.AppendData(buffer);
        _sha256.GetHashAndReset(destination);
    }

    public void Dispose() => _sha256.Dispose();
}
