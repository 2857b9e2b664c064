using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// Opens a region's master key from its <see cref="MasterKeySettings"/>: the key file (default)
/// or a PKCS#11 token. Another backend (a cloud KMS) is another <see cref="IMasterKeyProvider"/>
/// and one more case here.
/// </summary>
public static class MasterKeyProviderFactory
{
    public static IMasterKeyProvider Open(Region region, MasterKeySettings settings, string keyFilePath, bool createIfMissing)
    {
        var owner = $"Region '{region}'";
        return settings.Provider.ToLowerInvariant() switch
        {
            MasterKeySettings.KeyFile => KeyFileMasterKeyProvider.Open(region, keyFilePath, createIfMissing),
            MasterKeySettings.Pkcs11Provider => OpenPkcs11(owner, region, settings.Pkcs11, createIfMissing),
            _ => throw new MasterKeyUnavailableException(
                $"{owner}: unknown master key provider '{settings.Provider}' in Confide:Regions:{region.Code}:MasterKey:Provider; use '{MasterKeySettings.KeyFile}' or '{MasterKeySettings.Pkcs11Provider}'."),
        };
    }

    private static Pkcs11MasterKeyProvider OpenPkcs11(string owner, Region region, Pkcs11Settings settings, bool createIfMissing)
    {
        var section = $"Confide:Regions:{region.Code}:MasterKey:Pkcs11";
        if (string.IsNullOrWhiteSpace(settings.Library) || string.IsNullOrWhiteSpace(settings.TokenLabel))
        {
            throw new MasterKeyUnavailableException($"{owner}: the master key provider is pkcs11, but {section}:Library and {section}:TokenLabel are not both set.");
        }

        var keyLabel = string.IsNullOrWhiteSpace(settings.KeyLabel) ? Pkcs11Settings.DefaultKeyLabel(region) : settings.KeyLabel;
        return Pkcs11MasterKeyProvider.Open(owner, settings.Library, settings.TokenLabel, ReadPin(owner, region, settings, section), keyLabel, createIfMissing);
    }

    /// <summary>The user PIN from <c>PinFile</c> (owner-only, like key files), else from <c>CONFIDE_&lt;REGION&gt;_HSM_PIN</c>.</summary>
    private static string ReadPin(string owner, Region region, Pkcs11Settings settings, string section)
    {
        if (!string.IsNullOrWhiteSpace(settings.PinFile))
        {
            var path = settings.PinFile;
            if (!File.Exists(path))
            {
                throw new MasterKeyUnavailableException($"{owner}: the HSM PIN file {path} is missing.");
            }

            if (!OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new MasterKeyUnavailableException($"{owner}: the HSM PIN file {path} is readable by other users; run 'chmod 600' on it.");
            }

            var pin = File.ReadAllText(path).TrimEnd('\r', '\n');
            return pin.Length > 0 ? pin : throw new MasterKeyUnavailableException($"{owner}: the HSM PIN file {path} is empty.");
        }

        var variable = Pkcs11Settings.PinVariable(region);
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : throw new MasterKeyUnavailableException($"{owner}: no HSM PIN: set {section}:PinFile or the environment variable {variable}.");
    }
}
