using System.Collections.Concurrent;
using Confide.Crypto;
using Confide.Platform;

namespace Confide.Tests.Crypto;

/// <summary>
/// What every <see cref="IMasterKeyProvider"/> must do, run against each implementation by a
/// derived class. Each test instance gets a key store of its own (a key file, a token).
/// </summary>
public abstract class MasterKeyProviderContract : IDisposable
{
    private static readonly byte[] Context = "workspace:eu_k3j9x2m4q8w1:lookup_index"u8.ToArray();
    private readonly ConcurrentBag<IMasterKeyProvider> _opened = [];

    /// <summary>Opens this test's key store for the eu region (a second call is another process opening the same store).</summary>
    protected abstract IMasterKeyProvider OpenStore(bool createIfMissing);

    private IMasterKeyProvider Open(bool createIfMissing = true)
    {
        var provider = OpenStore(createIfMissing);
        _opened.Add(provider);
        return provider;
    }

    [Fact]
    public async Task WrapThenUnwrap_ReturnsTheDataKey_AndTheWrapHoldsNoKeyBytes()
    {
        var provider = Open();
        using var dataKey = DataKey.Generate();
        var wrapped = await provider.WrapAsync(dataKey.Material.ToArray(), Context);

        Assert.Equal(1 + 16 + 12 + 32 + 16, wrapped.Length);
        Assert.Equal(0x01, wrapped[0]);
        Assert.Equal(provider.KeyId, new Guid(wrapped.AsSpan(1, 16)));
        Assert.Equal(-1, wrapped.AsSpan().IndexOf(dataKey.Material));
        Assert.Equal(dataKey.Material.ToArray(), await provider.UnwrapAsync(wrapped, Context));
        Assert.NotEqual(wrapped, await provider.WrapAsync(dataKey.Material.ToArray(), Context));
    }

    [Fact]
    public async Task Unwrap_WithAnotherContext_FailsAsIntegrityError()
    {
        var provider = Open();
        var wrapped = await provider.WrapAsync(DataKeyBytes(), Context);

        await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await provider.UnwrapAsync(wrapped, "workspace:eu_aaaaaaaaaaaa:lookup_index"u8.ToArray()));
        await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await provider.UnwrapAsync(wrapped, ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public async Task Unwrap_AnyFlippedBitOrTruncation_FailsAsIntegrityError()
    {
        var provider = Open();
        var wrapped = await provider.WrapAsync(DataKeyBytes(), Context);

        foreach (var index in new[] { 0 }.Concat(Enumerable.Range(17, wrapped.Length - 17)))
        {
            foreach (var bit in new byte[] { 0x01, 0x80 })
            {
                var tampered = (byte[])wrapped.Clone();
                tampered[index] ^= bit;
                await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await provider.UnwrapAsync(tampered, Context));
            }
        }

        await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await provider.UnwrapAsync(wrapped.AsMemory(0, wrapped.Length - 1), Context));
    }

    [Fact]
    public async Task Unwrap_UnderAVersionNotHeld_FailsAsUnavailable_NamingRegionAndVersion()
    {
        var provider = Open();
        var wrapped = await provider.WrapAsync(DataKeyBytes(), Context);
        var unknown = Guid.NewGuid();
        unknown.TryWriteBytes(wrapped.AsSpan(1, 16));

        var error = await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await provider.UnwrapAsync(wrapped, Context));
        Assert.Contains("Region 'eu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(unknown.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyStoreWithoutCreate_FailsAsUnavailable_NamingRegion()
    {
        var error = Assert.Throws<MasterKeyUnavailableException>(() => Open(createIfMissing: false));
        Assert.Contains("Region 'eu'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_OldWrapsStillUnwrap_NewWrapsUseTheNewVersion()
    {
        var provider = Open();
        var oldId = provider.KeyId;
        var key = DataKeyBytes();
        var old = await provider.WrapAsync(key, Context);

        var newId = await provider.RotateAsync();

        Assert.NotEqual(oldId, newId);
        Assert.Equal(newId, provider.KeyId);
        Assert.Equal([newId, oldId], provider.KeyIds);
        var fresh = await provider.WrapAsync(key, Context);
        Assert.Equal(newId, new Guid(fresh.AsSpan(1, 16)));
        Assert.Equal(key, await provider.UnwrapAsync(old, Context));
        Assert.Equal(key, await provider.UnwrapAsync(fresh, Context));
        Assert.Equal([newId, oldId], Open(createIfMissing: false).KeyIds);
    }

    [Fact]
    public async Task Retire_OldVersion_ItsWrapsFailAsUnavailable_NewOnesStillUnwrap()
    {
        var provider = Open();
        var oldId = provider.KeyId;
        var key = DataKeyBytes();
        var old = await provider.WrapAsync(key, Context);
        var newId = await provider.RotateAsync();
        var fresh = await provider.WrapAsync(key, Context);

        await provider.RetireAsync(oldId);

        Assert.Equal([newId], provider.KeyIds);
        await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await provider.UnwrapAsync(old, Context));
        Assert.Equal(key, await provider.UnwrapAsync(fresh, Context));
        await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await Open(createIfMissing: false).UnwrapAsync(old, Context));
    }

    [Fact]
    public async Task Retire_CurrentVersion_IsRefused_AndTheKeyKeepsWorking()
    {
        var provider = Open();
        var wrapped = await provider.WrapAsync(DataKeyBytes(), Context);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.RetireAsync(provider.KeyId));
        await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await provider.RetireAsync(Guid.NewGuid()));

        Assert.Single(provider.KeyIds);
        await provider.UnwrapAsync(wrapped, Context);
    }

    [Fact]
    public async Task SecondInstance_SeesARotationByTheFirst()
    {
        var first = Open();
        var second = Open(createIfMissing: false);
        Assert.Equal(first.KeyId, second.KeyId);
        var key = DataKeyBytes();

        var newId = await first.RotateAsync();

        // The second instance wraps under the new version, and unwraps what the first wrapped under it.
        var bySecond = await second.WrapAsync(key, Context);
        Assert.Equal(newId, new Guid(bySecond.AsSpan(1, 16)));
        Assert.Equal(newId, second.KeyId);
        Assert.Equal(key, await first.UnwrapAsync(bySecond, Context));
        var third = Open(createIfMissing: false);
        var byFirst = await first.WrapAsync(key, Context);
        Assert.Equal(key, await third.UnwrapAsync(byFirst, Context));
        Assert.Equal(key, await second.UnwrapAsync(await first.WrapAsync(key, Context), Context));
    }

    [Fact]
    public async Task ParallelWrapsAndUnwraps_AcrossARotation_AllRoundTrip()
    {
        var provider = Open();
        var rotated = new TaskCompletionSource<Guid>();
        var results = new ConcurrentBag<(byte[] Key, byte[] Context, byte[] Wrapped)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            if (i == 200)
            {
                rotated.SetResult(await provider.RotateAsync(ct));
            }

            var key = DataKeyBytes();
            byte[] context = [.. Context, .. BitConverter.GetBytes(i)];
            var wrapped = await provider.WrapAsync(key, context, ct);
            Assert.Equal(key, await provider.UnwrapAsync(wrapped, context, ct));
            results.Add((key, context, wrapped));
        });

        Assert.Equal(400, results.Count);
        var newId = await rotated.Task;
        Assert.Contains(results, r => new Guid(r.Wrapped.AsSpan(1, 16)) == newId);
        await Parallel.ForEachAsync(results, async (r, ct) => Assert.Equal(r.Key, await provider.UnwrapAsync(r.Wrapped, r.Context, ct)));
    }

    private static byte[] DataKeyBytes()
    {
        using var key = DataKey.Generate();
        return key.Material.ToArray();
    }

    public void Dispose()
    {
        foreach (var provider in _opened)
        {
            (provider as IDisposable)?.Dispose();
        }

        DisposeStore();
        GC.SuppressFinalize(this);
    }

    protected virtual void DisposeStore()
    {
    }
}

/// <summary>The contract against the key-file provider.</summary>
public sealed class KeyFileMasterKeyProviderContractTests : MasterKeyProviderContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-keys-").FullName;

    protected override IMasterKeyProvider OpenStore(bool createIfMissing) =>
        KeyFileMasterKeyProvider.Open(Region.Eu, Path.Combine(_directory, "eu", "master.key"), createIfMissing);

    protected override void DisposeStore() => Directory.Delete(_directory, recursive: true);
}
