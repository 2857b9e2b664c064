using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Confide.Privacy.Exports;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Privacy;

/// <summary>The export's layout covers every personal field; its sealed file format and its link tokens hold against tampering and time.</summary>
public sealed class SubjectExportFormatTests
{
    /// <summary>A new field of a personal category on any entity fails here until the export holds it (or says why not).</summary>
    [Fact]
    public void EveryPersonalFieldOfAContact_IsInTheExportLayout()
    {
        using var db = new SqliteConfideDbContext(new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite("Data Source=:memory:").Options);
        var covered = SubjectExportLayout.Fields.Select(f => (f.Entity, f.Property)).Concat(SubjectExportLayout.Omitted.Keys).ToHashSet();

        var missing = db.Model.GetEntityTypes()
            .SelectMany(entity => entity.GetProperties().Select(property => (entity.ClrType, property.Name, Category: DataCatalog.CategoryOf(property))))
            .Where(p => p.Category is not null && SubjectExportLayout.PersonalCategories.Contains(p.Category))
            .Where(p => !covered.Contains((p.ClrType, p.Name)))
            .Select(p => $"{p.ClrType.Name}.{p.Name} ({p.Category})")
            .ToList();

        Assert.True(missing.Count == 0, "Personal fields the export leaves out: " + string.Join(", ", missing));
        Assert.All(SubjectExportLayout.Fields, f => Assert.Contains(f.Category, SubjectExportLayout.CategoryOrder));
    }

    [Fact]
    public void ASealedFile_RoundTrips_AndRefusesTamperingTruncationAndAnotherExport()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var content = RandomNumberGenerator.GetBytes(3 * SealedChunks.ChunkSize + 123);
        using var file = new MemoryStream();
        using (var sealing = new SealingStream(new NonClosing(file), "export-a", key))
        {
            sealing.Write(content);
        }

        var sealedBytes = file.ToArray();
        Assert.Equal(content, Open(sealedBytes, "export-a", key));
        Assert.True(sealedBytes.AsSpan().IndexOf(content.AsSpan(0, 64)) < 0);
        Assert.Throws<CryptoIntegrityException>(() => Open(sealedBytes, "export-b", key));
        Assert.Throws<CryptoIntegrityException>(() => Open(sealedBytes, "export-a", RandomNumberGenerator.GetBytes(32)));
        var flipped = (byte[])sealedBytes.Clone();
        flipped[SealedChunks.HeaderSize + 100] ^= 1;
        Assert.Throws<CryptoIntegrityException>(() => Open(flipped, "export-a", key));
        // Cut after the first chunk: the final chunk is missing.
        var cut = sealedBytes[..(SealedChunks.HeaderSize + 5 + SealedChunks.ChunkSize + SealedChunks.TagSize)];
        Assert.Throws<CryptoIntegrityException>(() => Open(cut, "export-a", key));
    }

    [Fact]
    public void ALinkToken_WorksForItsExportUntilItExpires()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var now = DateTimeOffset.UtcNow;
        var token = SubjectExportLinks.Token(key, "export-a", now.AddMinutes(10));
        Assert.True(SubjectExportLinks.IsValid(key, "export-a", token, now));
        Assert.True(SubjectExportLinks.IsValid(key, "export-a", token, now.AddMinutes(9)));
        Assert.False(SubjectExportLinks.IsValid(key, "export-a", token, now.AddMinutes(10)));
        Assert.False(SubjectExportLinks.IsValid(key, "export-b", token, now));
        Assert.False(SubjectExportLinks.IsValid(RandomNumberGenerator.GetBytes(32), "export-a", token, now));
        Assert.False(SubjectExportLinks.IsValid(key, "export-a", "not a token", now));
        Assert.False(SubjectExportLinks.IsValid(key, "export-a", null, now));
    }

    private static byte[] Open(byte[] sealedBytes, string exportId, byte[] key)
    {
        using var opened = new OpeningStream(new MemoryStream(sealedBytes), exportId, key);
        using var plain = new MemoryStream();
        opened.CopyTo(plain);
        return plain.ToArray();
    }

    /// <summary>Keeps the memory stream readable after the sealing stream closes it.</summary>
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
