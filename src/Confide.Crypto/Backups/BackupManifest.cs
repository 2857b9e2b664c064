namespace Confide.Crypto.Backups;

/// <summary>
/// The clear header of a sealed backup (<see cref="BackupSeal"/>): enough to pick, pair, prune
/// and check a backup without opening it. Counts are row counts taken in the dump's own
/// snapshot, which a restore drill compares against what it restored.
/// </summary>
/// <param name="Kind"><see cref="CellKind"/> or <see cref="KeysKind"/>.</param>
/// <param name="BackupId">Shared by the cell and key-store backups taken together, which a restore pairs.</param>
/// <param name="Provider"><c>sqlite</c> or <c>postgresql</c>: how the dump is restored.</param>
public sealed record BackupManifest(
    int Format,
    string Kind,
    string Region,
    string BackupId,
    string Provider,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, long> Counts,
    string ConfideVersion)
{
    public const int CurrentFormat = 1;
    public const string CellKind = "cell";
    public const string KeysKind = "keys";

    public Guid MasterKeyId { get; init; }

    public byte[] WrappedFileKey { get; init; } = [];
}

/// <summary>A backup file that is not what it claims: changed, cut short, or sealed under another key.</summary>
public sealed class BackupIntegrityException(string message) : Exception(message);
