using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Confide.Crypto;

namespace Confide.Privacy.Exports;

/// <summary>
/// The at-rest format of every file an export writes (its work segments and its archive):
/// <c>"CFSX" | version 0x01 | salt (32)</c>, then chunks of at most <see cref="ChunkSize"/>
/// plaintext bytes, each <c>final flag (1) | length (4, big-endian) | ciphertext | tag (16)</c>,
/// AES-256-GCM. The file's key is HKDF-SHA256(export key, salt, "confide.subject_export.file"),
/// with a fresh random salt for every file written, so a file written again (a repeated step)
/// never reuses a key and nonce pair. The nonce is the chunk index (8 bytes, big-endian, after
/// 4 zero bytes); the associated data binds the export id, the chunk index and the final flag, so
/// chunks cannot be reordered, moved to another export, or cut off (a file without its final
/// chunk does not open).
/// </summary>
internal static class SealedChunks
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int SaltSize = 32;
    public static ReadOnlySpan<byte> Magic => "CFSX"u8;
    public const byte Version = 1;
    public const int HeaderSize = 4 + 1 + SaltSize;

    public static byte[] FileKey(ReadOnlySpan<byte> exportKey, ReadOnlySpan<byte> salt)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, exportKey, key, salt, "confide.subject_export.file"u8);
        return key;
    }

    public static void Nonce(long index, Span<byte> nonce)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
    }

    public static byte[] AssociatedData(string exportId, long index, bool final)
    {
        var id = Encoding.ASCII.GetBytes(exportId);
        var data = new byte[id.Length + 9];
        id.CopyTo(data, 0);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(id.Length), index);
        data[^1] = final ? (byte)1 : (byte)0;
        return data;
    }

    public static CryptoIntegrityException Broken() => new("An export file is truncated, altered or of an unknown format.");
}

/// <summary>A write-only stream that seals what is written to it in <see cref="SealedChunks"/> format; dispose writes the final chunk.</summary>
internal sealed class SealingStream : Stream
{
    private readonly Stream _inner;
    private readonly string _exportId;
    private readonly AesGcm _aes;
    private readonly byte[] _buffer = new byte[SealedChunks.ChunkSize];
    private readonly byte[] _cipher = new byte[SealedChunks.ChunkSize];
    private int _filled;
    private long _index;
    private long _written;
    private bool _finished;

    public SealingStream(Stream inner, string exportId, ReadOnlySpan<byte> exportKey)
    {
        _inner = inner;
        _exportId = exportId;
        var salt = RandomNumberGenerator.GetBytes(SealedChunks.SaltSize);
        var fileKey = SealedChunks.FileKey(exportKey, salt);
        _aes = new AesGcm(fileKey, SealedChunks.TagSize);
        CryptographicOperations.ZeroMemory(fileKey);
        _inner.Write(SealedChunks.Magic);
        _inner.WriteByte(SealedChunks.Version);
        _inner.Write(salt);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_filled == _buffer.Length)
            {
                WriteChunk(final: false);
            }

            var take = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            _written += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Seals the last chunk; the file is complete only after this (dispose calls it).</summary>
    public void Finish()
    {
        if (!_finished)
        {
            _finished = true;
            WriteChunk(final: true);
            _inner.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_buffer);
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void WriteChunk(bool final)
    {
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> tag = stackalloc byte[SealedChunks.TagSize];
        Span<byte> header = stackalloc byte[5];
        SealedChunks.Nonce(_index, nonce);
        _aes.Encrypt(nonce, _buffer.AsSpan(0, _filled), _cipher.AsSpan(0, _filled), tag, SealedChunks.AssociatedData(_exportId, _index, final));
        header[0] = final ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(header[1..], _filled);
        _inner.Write(header);
        _inner.Write(_cipher.AsSpan(0, _filled));
        _inner.Write(tag);
        _index++;
        _filled = 0;
    }
}

/// <summary>A read-only stream that opens a <see cref="SealedChunks"/> file chunk by chunk; any alteration or truncation throws <see cref="CryptoIntegrityException"/>.</summary>
internal sealed class OpeningStream : Stream
{
    private readonly Stream _inner;
    private readonly string _exportId;
    private readonly AesGcm _aes;
    private readonly byte[] _plain = new byte[SealedChunks.ChunkSize];
    private readonly byte[] _cipher = new byte[SealedChunks.ChunkSize];
    private int _start;
    private int _end;
    private long _index;
    private bool _sawFinal;

    public OpeningStream(Stream inner, string exportId, ReadOnlySpan<byte> exportKey)
    {
        _inner = inner;
        _exportId = exportId;
        Span<byte> header = stackalloc byte[SealedChunks.HeaderSize];
        if (!ReadFull(header) || !header[..4].SequenceEqual(SealedChunks.Magic) || header[4] != SealedChunks.Version)
        {
            throw SealedChunks.Broken();
        }

        var fileKey = SealedChunks.FileKey(exportKey, header[5..]);
        _aes = new AesGcm(fileKey, SealedChunks.TagSize);
        CryptographicOperations.ZeroMemory(fileKey);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_start == _end && !NextChunk())
        {
            return 0;
        }

        var take = Math.Min(buffer.Length, _end - _start);
        _plain.AsSpan(_start, take).CopyTo(buffer);
        _start += take;
        return take;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool NextChunk()
    {
        Span<byte> header = stackalloc byte[5];
        Span<byte> tag = stackalloc byte[SealedChunks.TagSize];
        Span<byte> nonce = stackalloc byte[12];
        while (!_sawFinal)
        {
            if (!ReadFull(header) || header[0] > 1)
            {
                throw SealedChunks.Broken();
            }

            var final = header[0] == 1;
            var length = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
            if (length is < 0 or > SealedChunks.ChunkSize || !ReadFull(_cipher.AsSpan(0, length)) || !ReadFull(tag))
            {
                throw SealedChunks.Broken();
            }

            SealedChunks.Nonce(_index, nonce);
            try
            {
                _aes.Decrypt(nonce, _cipher.AsSpan(0, length), tag, _plain.AsSpan(0, length), SealedChunks.AssociatedData(_exportId, _index, final));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw SealedChunks.Broken();
            }

            _index++;
            _sawFinal = final;
            _start = 0;
            _end = length;
            if (length > 0)
            {
                return true;
            }
        }

        return false;
    }

    private bool ReadFull(Span<byte> target)
    {
        while (!target.IsEmpty)
        {
            var read = _inner.Read(target);
            if (read == 0)
            {
                return false;
            }

            target = target[read..];
        }

        return true;
    }
}
