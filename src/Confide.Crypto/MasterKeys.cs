using System.Collections.Concurrent;
using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Crypto;

/// <summary>
/// The master key of each served region. Opened at start-up, after the region's schema is up
/// to date: a region whose database already holds wrapped keys must find its key file, so a
/// lost or swapped key stops the region instead of silently creating a new key.
/// </summary>
public sealed class MasterKeys(IOptions<ConfideOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<Region, IMasterKeyProvider> _providers = new();

    public string KeyFilePath(Region region) => KeyFilePath(options.Value, region);

    public static string KeyFilePath(ConfideOptions options, Region region) =>
        options.For(region).MasterKey.File is { Length: > 0 } file
            ? Path.GetFullPath(file)
            : Path.Combine(options.DataDirectoryFullPath, "keys", region.Code, "master.key");

    public async Task OpenAsync(CellDatabase cell, CancellationToken cancellationToken)
    {
        if (_providers.ContainsKey(cell.Region))
        {
            return;
        }

        await using var db = cell.CreateReadContext();
        var hasWrappedKeys = await db.WorkspaceKeys.AnyAsync(cancellationToken);
        var provider = MasterKeyProviderFactory.Open(cell.Region, options.Value.For(cell.Region).MasterKey, KeyFilePath(cell.Region), createIfMissing: !hasWrappedKeys);
        // Any held version will do: mid-rotation, rows are still wrapped under an older one.
        var held = provider.KeyIds.ToList();
        if (hasWrappedKeys && !await db.WorkspaceKeys.AnyAsync(k => held.Contains(k.MasterKeyId), cancellationToken))
        {
            (provider as IDisposable)?.Dispose();
            throw new MasterKeyUnavailableException(
                $"Region '{cell.Region}': no stored key was wrapped with the master key in {provider.Source}; it is not this region's key.");
        }

        if (!_providers.TryAdd(cell.Region, provider))
        {
            (provider as IDisposable)?.Dispose();
        }
    }

    public IMasterKeyProvider For(Region region) =>
        _providers.TryGetValue(region, out var provider)
            ? provider
            : throw new MasterKeyUnavailableException($"Region '{region}': the master key has not been opened.");

    public void Dispose()
    {
        foreach (var provider in _providers.Values)
        {
            (provider as IDisposable)?.Dispose();
        }
    }
}
