using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Crypto.Backups;
using Confide.Data;
using Confide.Data.Backups;
using Confide.Platform;

namespace Confide.Server.Backups;

/// <summary>
/// <c>confide backup</c> for one region (ADR 0019): the cell database, then the contact key
/// store, each dumped consistently and sealed under the region's master key into a directory of
/// its own. The cell goes first: a contact's key is stored before its row, so every contact in
/// the cell's dump has its key in the later key-store dump unless it was erased in between.
/// Key-store backups older than the erasure window are deleted, so that crypto-shredding reaches
/// backups: past that window no backup can bring an erased contact back.
/// </summary>
internal sealed class RegionBackup(ConfideOptions options, TimeProvider time)
{
    public const int DefaultKeepKeysDays = 30;

    public sealed record Written(string Kind, string Provider, string Path, long Bytes, IReadOnlyDictionary<string, long> Counts);

    public sealed record Result(string Region, string BackupId, DateTimeOffset CreatedAt, IReadOnlyList<Written> Files, IReadOnlyList<string> PrunedKeyBackups);

    public static string FileName(string region, string kind, string backupId) => $"confide-{region}-{kind}-{backupId}.backup";

    public async Task<Result> RunAsync(Region region, string outDirectory, string keysOutDirectory, int keepKeysDays, CancellationToken cancellationToken)
    {
        var createdAt = time.GetUtcNow();
        var backupId = string.Create(CultureInfo.InvariantCulture, $"{createdAt:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        using var masterKey = OpenMasterKey(options, region);
        var settings = options.For(region);
        var files = new List<Written>
        {
            await WriteAsync(region, BackupManifest.CellKind, backupId, createdAt, settings.Postgres, CellRegistry.SqlitePath(options, region), DatabaseDump.CellTables, outDirectory, masterKey.Provider, cancellationToken),
            await WriteAsync(region, BackupManifest.KeysKind, backupId, createdAt, settings.KeyStore.Postgres, ContactKeyRing.StorePath(options, region), DatabaseDump.KeyStoreTables, keysOutDirectory, masterKey.Provider, cancellationToken),
        };
        var pruned = await PruneKeyBackupsAsync(region, keysOutDirectory, backupId, createdAt.AddDays(-keepKeysDays), cancellationToken);
        return new Result(region.Code, backupId, createdAt, files, pruned);
    }

    /// <summary>The region's master key as configured, never created: a backup of a region without one is refused.</summary>
    public static OpenedMasterKey OpenMasterKey(ConfideOptions options, Region region) =>
        new(MasterKeyProviderFactory.Open(region, options.For(region).MasterKey, MasterKeys.KeyFilePath(options, region), createIfMissing: false));

    private static async Task<Written> WriteAsync(
        Region region, string kind, string backupId, DateTimeOffset createdAt, string? postgres, string sqlitePath,
        IReadOnlyList<string> tables, string directory, IMasterKeyProvider masterKey, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName(region.Code, kind, backupId));
        var partial = path + ".partial";
        var provider = postgres is { Length: > 0 } ? "postgresql" : "sqlite";
        IReadOnlyDictionary<string, long> counted = new Dictionary<string, long>();
        try
        {
            await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                async Task Seal(IReadOnlyDictionary<string, long> counts, Stream dump, CancellationToken ct)
                {
                    counted = counts;
                    var manifest = new BackupManifest(BackupManifest.CurrentFormat, kind, region.Code, backupId, provider, createdAt, counts, Version);
                    await BackupSeal.SealAsync(manifest, dump, output, masterKey, ct);
                }

                if (postgres is { Length: > 0 })
                {
                    await DatabaseDump.PostgresAsync(postgres, tables, Seal, cancellationToken);
                }
                else
                {
                    await DatabaseDump.SqliteAsync(sqlitePath, tables, Seal, cancellationToken);
                }

                await output.FlushAsync(cancellationToken);
                output.Flush(flushToDisk: true);
            }

            File.Move(partial, path);
            return new Written(kind, provider, path, new FileInfo(path).Length, counted);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>Deletes this region's key-store backups taken before <paramref name="before"/>, never the one just written.</summary>
    private static async Task<IReadOnlyList<string>> PruneKeyBackupsAsync(Region region, string directory, string keep, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var pruned = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, $"confide-{region.Code}-{BackupManifest.KeysKind}-*.backup"))
        {
            var manifest = await BackupFiles.TryReadManifestAsync(path, cancellationToken);
            if (manifest is { Kind: BackupManifest.KeysKind } && manifest.Region == region.Code && manifest.BackupId != keep && manifest.CreatedAt < before)
            {
                File.Delete(path);
                pruned.Add(path);
            }
        }

        return pruned;
    }

    private static string Version =>
        typeof(RegionBackup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>A master key provider that is disposed with the backup when it holds a handle (an HSM session).</summary>
    public sealed class OpenedMasterKey(IMasterKeyProvider provider) : IDisposable
    {
        public IMasterKeyProvider Provider { get; } = provider;

        public void Dispose() => (Provider as IDisposable)?.Dispose();
    }
}
