namespace Confide.Platform;

/// <summary>
/// Where this process keeps its state and which regional cells it serves. Bound from the
/// <c>Confide</c> configuration section (environment: <c>Confide__Regions__eu__Postgres</c>).
/// </summary>
public sealed class ConfideOptions
{
    public const string Section = "Confide";

    /// <summary>Data directory for SQLite files, key files and the generated certificate.</summary>
    public string DataDirectory { get; set; } = Environment.GetEnvironmentVariable("CONFIDE_DATA_DIR") is { Length: > 0 } dir ? dir : "data";

    /// <summary>Region codes this process serves; the embedded default serves all of them.</summary>
    public IList<string> Serve { get; set; } = [];

    /// <summary>
    /// Where the regional endpoints listen: <c>localhost</c> (default: loopback only), <c>any</c>
    /// (all interfaces, for production behind a load balancer) or one IP address.
    /// </summary>
    public string ListenAddress { get; set; } = "localhost";

    /// <summary>
    /// Development only: accept PostgreSQL connection strings weaker than <c>SSL Mode=VerifyFull</c>.
    /// Off by default, and a production configuration must leave it off.
    /// </summary>
    public bool AllowInsecurePostgres { get; set; }

    public const int DefaultPostgresWriteRetrySeconds = 45;

    /// <summary>
    /// How long writes wait for a PostgreSQL primary to answer again (a Patroni failover: the
    /// leader's TTL plus the promotion) before they are answered 503; 0 answers at once. 0 to 300.
    /// </summary>
    public int PostgresWriteRetrySeconds { get; set; } = DefaultPostgresWriteRetrySeconds;

    public ActivityLogSettings ActivityLog { get; set; } = new();

    public IDictionary<string, RegionSettings> Regions { get; set; } = new Dictionary<string, RegionSettings>(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<Region> ServedRegions() =>
        Serve.Count == 0 ? Region.All : Serve.Select(Region.Parse).Distinct().ToList();

    public RegionSettings For(Region region) =>
        Regions.TryGetValue(region.Code, out var settings) ? settings : new RegionSettings();

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);

    /// <summary>The public base URL of <paramref name="region"/>, without a trailing slash.</summary>
    public string PublicUrl(Region region) =>
        (For(region).PublicUrl ?? $"https://localhost:{For(region).Port ?? RegionSettings.DefaultPort(region)}").TrimEnd('/');
}

public sealed class RegionSettings
{
    /// <summary>PostgreSQL connection string; when empty the region uses its SQLite file.</summary>
    public string? Postgres { get; set; }

    /// <summary>Port of this region's HTTPS endpoint in the embedded mode.</summary>
    public int? Port { get; set; }

    /// <summary>Optional plain-HTTP port that only redirects (308) to the region's HTTPS URL; off when unset.</summary>
    public int? HttpPort { get; set; }

    /// <summary>Public base URL clients use for this region (named in 421 responses).</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Where the region's master key lives: a key file (default) or a PKCS#11 HSM.</summary>
    public MasterKeySettings MasterKey { get; set; } = new();

    /// <summary>Where the region's contact keys live: a local SQLite file (default) or a PostgreSQL database of their own.</summary>
    public KeyStoreSettings KeyStore { get; set; } = new();

    public static int DefaultPort(Region region) =>
        region == Region.Us ? 7443 : region == Region.Eu ? 7444 : 7445;
}

public sealed class ActivityLogSettings
{
    /// <summary>The shortest retention the log may be configured with (6 years, HIPAA's documentation rule).</summary>
    public const int MinimumRetentionYears = 6;

    /// <summary>How often workspaces with new entries get a signed checkpoint: 1 to 60 seconds.</summary>
    public int CheckpointIntervalSeconds { get; set; } = 30;

    /// <summary>How long entries are kept; at least <see cref="MinimumRetentionYears"/>. Contact erasure never removes entries.</summary>
    public int RetentionYears { get; set; } = MinimumRetentionYears;

    public void Validate()
    {
        if (CheckpointIntervalSeconds is < 1 or > 60)
        {
            throw new InvalidOperationException("Confide:ActivityLog:CheckpointIntervalSeconds must be between 1 and 60.");
        }

        if (RetentionYears < MinimumRetentionYears)
        {
            throw new InvalidOperationException($"Confide:ActivityLog:RetentionYears must be at least {MinimumRetentionYears}.");
        }
    }
}
