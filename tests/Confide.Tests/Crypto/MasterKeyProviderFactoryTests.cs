using Confide.Crypto;
using Confide.Platform;

namespace Confide.Tests.Crypto;

/// <summary>Choosing a region's master key provider from configuration; bad configuration stops the region with a clear message.</summary>
public sealed class MasterKeyProviderFactoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("confide-factory-").FullName;

    private string KeyPath => Path.Combine(_directory, "eu", "master.key");

    [Fact]
    public void DefaultSettings_OpenTheKeyFile()
    {
        var provider = MasterKeyProviderFactory.Open(Region.Eu, new MasterKeySettings(), KeyPath, createIfMissing: true);
        using (provider as IDisposable)
        {
            Assert.IsType<KeyFileMasterKeyProvider>(provider);
            Assert.True(File.Exists(KeyPath));
        }
    }

    [Fact]
    public void UnknownProviderOrIncompletePkcs11Settings_FailAsUnavailable_NamingRegionAndKey()
    {
        var unknown = Assert.Throws<MasterKeyUnavailableException>(() =>
            MasterKeyProviderFactory.Open(Region.Eu, new MasterKeySettings { Provider = "vault" }, KeyPath, createIfMissing: true));
        Assert.Contains("Region 'eu'", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Confide:Regions:eu:MasterKey:Provider", unknown.Message, StringComparison.Ordinal);

        var incomplete = Assert.Throws<MasterKeyUnavailableException>(() =>
            MasterKeyProviderFactory.Open(Region.Eu, new MasterKeySettings { Provider = "PKCS11", Pkcs11 = new() { TokenLabel = "t" } }, KeyPath, createIfMissing: true));
        Assert.Contains("Region 'eu'", incomplete.Message, StringComparison.Ordinal);
        Assert.Contains("Confide:Regions:eu:MasterKey:Pkcs11:Library", incomplete.Message, StringComparison.Ordinal);

        var noPin = new MasterKeySettings { Provider = "pkcs11", Pkcs11 = new() { Library = "libnone.so", TokenLabel = "t", PinFile = Path.Combine(_directory, "missing.pin") } };
        var missingPin = Assert.Throws<MasterKeyUnavailableException>(() => MasterKeyProviderFactory.Open(Region.Eu, noPin, KeyPath, createIfMissing: true));
        Assert.Contains("missing.pin", missingPin.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyPath), "a pkcs11 region never falls back to a key file");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
