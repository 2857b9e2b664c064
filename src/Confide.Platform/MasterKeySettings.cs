namespace Confide.Platform;

/// <summary>
/// Where a region's master key lives (<c>Confide:Regions:&lt;region&gt;:MasterKey</c>):
/// <c>keyfile</c> (default, <c>data/keys/&lt;region&gt;/master.key</c>) or <c>pkcs11</c> (an HSM).
/// </summary>
public sealed class MasterKeySettings
{
    public const string KeyFile = "keyfile";
    public const string Pkcs11Provider = "pkcs11";

    public string Provider { get; set; } = KeyFile;

    /// <summary>
    /// Path of the key file (provider <c>keyfile</c>); by default <c>keys/&lt;region&gt;/master.key</c> under the
    /// data directory. Set it to keep the key on storage of its own, away from the databases and their backups.
    /// </summary>
    public string? File { get; set; }

    public Pkcs11Settings Pkcs11 { get; set; } = new();
}

/// <summary>A PKCS#11 token holding the region's master key versions. The PIN is never in configuration itself.</summary>
public sealed class Pkcs11Settings
{
    /// <summary>Path of the vendor's PKCS#11 module (e.g. SoftHSM2's <c>libsofthsm2.so</c>).</summary>
    public string? Library { get; set; }

    /// <summary>Label of the token (as initialised, e.g. with <c>softhsm2-util --init-token --label</c>).</summary>
    public string? TokenLabel { get; set; }

    /// <summary>File holding the user PIN (mode 0600); otherwise <c>CONFIDE_&lt;REGION&gt;_HSM_PIN</c>.</summary>
    public string? PinFile { get; set; }

    /// <summary>Label prefix of the key objects; default <c>confide-&lt;region&gt;-master</c>.</summary>
    public string? KeyLabel { get; set; }

    public static string DefaultKeyLabel(Region region) => $"confide-{region.Code}-master";

    public static string PinVariable(Region region) => $"CONFIDE_{region.Code.ToUpperInvariant()}_HSM_PIN";
}
