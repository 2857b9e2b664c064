using Confide.Crypto;
using Confide.Platform;

namespace Confide.Tests.Crypto;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyFileMasterKeyProviderTests : IDisposable
{
    private static readonly byte[] Context = "workspace:eu_k3j9x2m4q8w1"u8.ToArray();
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-keys-").FullName;

    private string KeyPath(string name = "master.key") => Path.Combine(_directory, "eu", name);

    [Fact]
    public async Task FirstStart_CreatesAnOwnerOnlyKeyFile_SecondStartReusesIt()
    {
        using var first = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: true);
        using var dataKey = DataKey.Generate();
        var wrapped = await first.WrapAsync(dataKey.Material.ToArray(), Context);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath()));
        using var second = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: false);
        Assert.Equal(first.KeyId, second.KeyId);
        Assert.Equal(dataKey.Material.ToArray(), await second.UnwrapAsync(wrapped, Context));
        Assert.Equal(-1, wrapped.AsSpan().IndexOf(dataKey.Material));
    }

    [Fact]
    public void MissingCorruptOrExposedKeyFile_StopsTheRegionWithAClearError()
    {
        var missing = Assert.Throws<MasterKeyUnavailableException>(() => KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: false));
        Assert.Contains("'eu'", missing.Message, StringComparison.Ordinal);
        Assert.Contains(KeyPath(), missing.Message, StringComparison.Ordinal);

        using (KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: true))
        {
        }

        var bytes = File.ReadAllBytes(KeyPath());
        bytes[30] ^= 1;
        File.WriteAllBytes(KeyPath(), bytes);
        var corrupt = Assert.Throws<MasterKeyUnavailableException>(() => KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: false));
        Assert.Contains("corrupt", corrupt.Message, StringComparison.Ordinal);

        bytes[30] ^= 1;
        File.WriteAllBytes(KeyPath(), bytes);
        File.SetUnixFileMode(KeyPath(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var exposed = Assert.Throws<MasterKeyUnavailableException>(() => KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: false));
        Assert.Contains("chmod 600", exposed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKeyFileOrContextOrTampering_RefusesToUnwrap()
    {
        using var right = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath(), createIfMissing: true);
        using var wrong = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath("other.key"), createIfMissing: true);
        using var dataKey = DataKey.Generate();
        var wrapped = await right.WrapAsync(dataKey.Material.ToArray(), Context);

        var otherKey = await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await wrong.UnwrapAsync(wrapped, Context));
        Assert.Contains(right.KeyId.ToString(), otherKey.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await right.UnwrapAsync(wrapped, "workspace:eu_aaaaaaaaaaaa"u8.ToArray()));
        for (var i = 17; i < wrapped.Length; i++)
        {
            var tampered = (byte[])wrapped.Clone();
            tampered[i] ^= 0x80;
            await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await right.UnwrapAsync(tampered, Context));
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
