using Confide.Crypto.Backups;

namespace Confide.Server.Backups;

/// <summary>Finding sealed backups in a directory by their headers (which need no key).</summary>
internal static class BackupFiles
{
    public sealed record Found(string Path, BackupManifest Manifest);

    public static async Task<BackupManifest?> TryReadManifestAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = File.OpenRead(path);
            return await BackupSeal.ReadManifestAsync(file, cancellationToken);
        }
        catch (Exception ex) when (ex is BackupIntegrityException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The region's backups of one kind in a directory, newest first.</summary>
    public static async Task<IReadOnlyList<Found>> ListAsync(string directory, string region, string kind, CancellationToken cancellationToken)
    {
        var found = new List<Found>();
        if (!Directory.Exists(directory))
        {
            return found;
        }

        foreach (var path in Directory.EnumerateFiles(directory, $"confide-{region}-{kind}-*.backup"))
        {
            if (await TryReadManifestAsync(path, cancellationToken) is { } manifest && manifest.Region == region && manifest.Kind == kind)
            {
                found.Add(new Found(path, manifest));
            }
        }

        return [.. found.OrderByDescending(f => f.Manifest.CreatedAt)];
    }
}
