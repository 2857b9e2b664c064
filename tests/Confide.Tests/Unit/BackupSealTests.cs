using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Crypto.Backups;
using Confide.Platform;

namespace Confide.Tests.Unit;

/// <summary>The sealed backup format: round trips at chunk boundaries, and every way of tampering is refused.</summary>
public sealed class BackupSealTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-seal-").FullName;
    private readonly KeyFileMasterKeyProvider _key;

    public BackupSealTests() => _key = KeyFileMasterKeyProvider.Open(Region.Eu, Path.Combine(_directory, "master.key"), createIfMissing: true);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static BackupManifest Manifest(string kind = BackupManifest.CellKind) =>
        new(BackupManifest.CurrentFormat, kind, "eu", "20261208T000000Z-abcdef", "sqlite", DateTimeOffset.UnixEpoch.AddDays(20000), new Dictionary<string, long> { ["Contacts"] = 3 }, "test");

    private async Task<byte[]> SealAsync(byte[] plain, BackupManifest? manifest = null)
    {
        using var output = new MemoryStream();
        await BackupSeal.SealAsync(manifest ?? Manifest(), new MemoryStream(plain), output, _key, CancellationToken.None);
        return output.ToArray();
    }

    private async Task<byte[]> UnsealAsync(byte[] sealedBytes, IMasterKeyProvider? key = null)
    {
        using var plain = new MemoryStream();
        await BackupSeal.UnsealAsync(new MemoryStream(sealedBytes), plain, key ?? _key, CancellationToken.None);
        return plain.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(BackupSeal.ChunkSize - 1)]
    [InlineData(BackupSeal.ChunkSize)]
    [InlineData(BackupSeal.ChunkSize + 1)]
    [InlineData((2 * BackupSeal.ChunkSize) + 7)]
    public async Task WhatIsSealed_OpensToTheSameBytes_AtEveryChunkBoundary(int length)
    {
        var plain = RandomNumberGenerator.GetBytes(length);
        var sealedBytes = await SealAsync(plain);

        Assert.Equal(plain, await UnsealAsync(sealedBytes));
        var manifest = await BackupSeal.ReadManifestAsync(new MemoryStream(sealedBytes), CancellationToken.None);
        Assert.Equal((_key.KeyId, 3L), (manifest.MasterKeyId, manifest.Counts["Contacts"]));
    }

    [Fact]
    public async Task AChangedHeader_ASwappedOrDroppedChunk_ATruncation_OrAnotherKey_IsRefused()
    {
        var plain = RandomNumberGenerator.GetBytes((2 * BackupSeal.ChunkSize) + 100);
        var sealedBytes = await SealAsync(plain);
        var headerEnd = 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(sealedBytes.AsSpan(8));
        var chunk = 5 + BackupSeal.ChunkSize + 16;

        // The header's counts edited (same length, so only the bound hash notices).
        var header = sealedBytes.ToArray();
        var at = System.Text.Encoding.UTF8.GetString(header, 12, headerEnd - 12).IndexOf("\"Contacts\":3", StringComparison.Ordinal) + 12 + 11;
        header[at] = (byte)'4';
        await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync(header));

        // The first two chunks swapped.
        var swapped = sealedBytes.ToArray();
        Array.Copy(sealedBytes, headerEnd + chunk, swapped, headerEnd, chunk);
        Array.Copy(sealedBytes, headerEnd, swapped, headerEnd + chunk, chunk);
        Assert.Contains("does not authenticate", (await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync(swapped))).Message, StringComparison.Ordinal);

        // The middle chunk dropped.
        byte[] dropped = [.. sealedBytes.AsSpan(0, headerEnd + chunk), .. sealedBytes.AsSpan(headerEnd + (2 * chunk))];
        await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync(dropped));

        // Cut after a whole chunk: no last chunk.
        Assert.Contains("cut short", (await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync(sealedBytes[..(headerEnd + chunk)]))).Message, StringComparison.Ordinal);

        // Bytes appended after the last chunk.
        await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync([.. sealedBytes, 0]));

        // Another deployment's master key.
        using var other = KeyFileMasterKeyProvider.Open(Region.Eu, Path.Combine(_directory, "other.key"), createIfMissing: true);
        await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync(sealedBytes, other));

        // Not a backup at all.
        Assert.Contains("Not a Confide backup", (await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync("SQLite format 3\0"u8.ToArray()))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileKeyMovedIntoAnotherBackupsHeader_DoesNotOpenIt()
    {
        // Two backups under one master key: each file key is bound to its own header's region, kind, id and time.
        var cell = await SealAsync(RandomNumberGenerator.GetBytes(10), Manifest(BackupManifest.CellKind));
        var keys = await SealAsync(RandomNumberGenerator.GetBytes(10), Manifest(BackupManifest.KeysKind));
        var cellManifest = await BackupSeal.ReadManifestAsync(new MemoryStream(cell), CancellationToken.None);
        var keysManifest = await BackupSeal.ReadManifestAsync(new MemoryStream(keys), CancellationToken.None);
        Assert.NotEqual(Convert.ToBase64String(cellManifest.WrappedFileKey), Convert.ToBase64String(keysManifest.WrappedFileKey));

        var cellText = System.Text.Encoding.Latin1.GetString(cell);
        var moved = System.Text.Encoding.Latin1.GetBytes(cellText.Replace(Convert.ToBase64String(cellManifest.WrappedFileKey), Convert.ToBase64String(keysManifest.WrappedFileKey), StringComparison.Ordinal));
        Assert.Equal(cell.Length, moved.Length);
        await Assert.ThrowsAsync<BackupIntegrityException>(() => UnsealAsync(moved));
    }
}
