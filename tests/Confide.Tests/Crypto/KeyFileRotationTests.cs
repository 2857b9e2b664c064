using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Platform;

namespace Confide.Tests.Crypto;

/// <summary>Versioned key files: rotate, retire, the v1 format, and several instances sharing one file.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyFileRotationTests : IDisposable
{
    private static readonly byte[] Context = "workspace:eu_k3j9x2m4q8w1:lookup-index"u8.ToArray();
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-rotation-").FullName;

    private string KeyPath => Path.Combine(_directory, "eu", "master.key");

    private static Guid WrappedUnder(byte[] wrapped) => new(wrapped.AsSpan(1, 16));

    [Fact]
    public async Task Rotate_MakesANewVersionCurrent_OlderVersionsKeepUnwrapping()
    {
        using var provider = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: true);
        var first = provider.KeyId;
        using var dataKey = DataKey.Generate();
        var underFirst = await provider.WrapAsync(dataKey.Material.ToArray(), Context);

        var second = await provider.RotateAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(second, provider.KeyId);
        Assert.Equal([second, first], provider.KeyIds);
        Assert.Equal(second, WrappedUnder(await provider.WrapAsync(dataKey.Material.ToArray(), Context)));
        Assert.Equal(dataKey.Material.ToArray(), await provider.UnwrapAsync(underFirst, Context));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        using var reopened = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        Assert.Equal([second, first], reopened.KeyIds);
        Assert.Equal(dataKey.Material.ToArray(), await reopened.UnwrapAsync(underFirst, Context));
    }

    [Fact]
    public async Task Retire_RemovesAnOlderVersion_RefusesTheCurrentOne()
    {
        using var provider = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: true);
        var first = provider.KeyId;
        using var dataKey = DataKey.Generate();
        var underFirst = await provider.WrapAsync(dataKey.Material.ToArray(), Context);
        var second = await provider.RotateAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.RetireAsync(second));
        await provider.RetireAsync(first);

        Assert.Equal([second], provider.KeyIds);
        var gone = await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await provider.UnwrapAsync(underFirst, Context));
        Assert.Contains(first.ToString(), gone.Message, StringComparison.Ordinal);
        using var reopened = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        Assert.Equal([second], reopened.KeyIds);
        await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await provider.RetireAsync(first));
    }

    [Fact]
    public async Task VersionOneFile_IsReadAsOneVersion_AndRotatesIntoTheNewFormat()
    {
        // A key file as the first release wrote it: magic, 0x01, id, key, truncated SHA-256.
        var id = Guid.NewGuid();
        var key = RandomNumberGenerator.GetBytes(32);
        byte[] body = [.. "CFDK"u8, 0x01, .. id.ToByteArray(), .. key];
        Directory.CreateDirectory(Path.GetDirectoryName(KeyPath)!);
        File.WriteAllBytes(KeyPath, [.. body, .. SHA256.HashData(body).AsSpan(0, 8)]);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        using var provider = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        Assert.Equal([id], provider.KeyIds);
        using var dataKey = DataKey.Generate();
        var underV1 = await provider.WrapAsync(dataKey.Material.ToArray(), Context);
        // The wrap really is under the key in the file (not a key made up on the way).
        using (var aes = new AesGcm(key, 16))
        {
            var plain = new byte[32];
            aes.Decrypt(underV1.AsSpan(17, 12), underV1.AsSpan(29, 32), underV1.AsSpan(61, 16), plain, [.. "confide.wrap.v1"u8, .. Context]);
            Assert.Equal(dataKey.Material.ToArray(), plain);
        }

        var rotated = await provider.RotateAsync();

        Assert.Equal(0x02, File.ReadAllBytes(KeyPath)[4]);
        using var reopened = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        Assert.Equal([rotated, id], reopened.KeyIds);
        Assert.Equal(dataKey.Material.ToArray(), await reopened.UnwrapAsync(underV1, Context));
    }

    [Fact]
    public async Task RotationByAnotherInstance_IsPickedUpByTheNextWrapAndUnwrap()
    {
        using var server = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: true);
        using var cli = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        using var dataKey = DataKey.Generate();

        var rotated = await cli.RotateAsync();
        var wrappedByCli = await cli.WrapAsync(dataKey.Material.ToArray(), Context);

        // The server has not looked at the file since it opened it: the unwrap re-reads it once.
        Assert.Equal(dataKey.Material.ToArray(), await server.UnwrapAsync(wrappedByCli, Context));
        Assert.Equal(rotated, WrappedUnder(await server.WrapAsync(dataKey.Material.ToArray(), Context)));
        Assert.Equal(rotated, server.KeyId);
    }

    [Fact]
    public async Task ConcurrentRotationsFromTwoInstances_LoseNoVersion()
    {
        using var first = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: true);
        using var second = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        var original = first.KeyId;

        var rotations = await Task.WhenAll(
            Task.Run(async () => await RotateTimes(first, 15)),
            Task.Run(async () => await RotateTimes(second, 15)));

        using var reopened = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
        Assert.Equal(31, reopened.KeyIds.Count);
        Assert.Equal(rotations.SelectMany(r => r).Append(original).Order(), reopened.KeyIds.Order());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(KeyPath)!, "*.tmp"));

        static async Task<List<Guid>> RotateTimes(KeyFileMasterKeyProvider provider, int times)
        {
            var ids = new List<Guid>();
            for (var i = 0; i < times; i++)
            {
                ids.Add(await provider.RotateAsync());
            }

            return ids;
        }
    }

    [Fact]
    public async Task Rotation_WaitsWhileAnotherProcessHoldsTheKeyFileLock()
    {
        using var provider = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: true);
        var held = await KeyFileStorage.LockAsync("test", KeyPath, CancellationToken.None);

        var rotation = provider.RotateAsync().AsTask();
        await Task.Delay(300);
        Assert.False(rotation.IsCompleted);
        Assert.Single(provider.KeyIds);

        held.Dispose();
        await rotation;
        Assert.Equal(2, provider.KeyIds.Count);
    }

    [Fact]
    public async Task WhileRotatingAndRetiring_TheFileIsNeverMissingOrInvalid()
    {
        using var provider = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: true);
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Exactly what a starting server does: open the file and check it whole.
                using var opened = KeyFileMasterKeyProvider.Open(Region.Eu, KeyPath, createIfMissing: false);
                Assert.NotEmpty(opened.KeyIds);
                reads++;
            }
        });

        for (var i = 0; i < 40; i++)
        {
            var previous = provider.KeyId;
            await provider.RotateAsync();
            await provider.RetireAsync(previous);
        }

        await stop.CancelAsync();
        await reader;
        Assert.True(reads > 0);
        Assert.Single(provider.KeyIds);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(KeyPath)!, "*.tmp"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
