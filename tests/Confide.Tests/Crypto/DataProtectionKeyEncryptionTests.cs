using System.Net;
using System.Xml.Linq;
using Confide.Crypto;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Crypto;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataProtectionKeyEncryptionTests(Servers servers)
{
    [Fact]
    public void KeyXml_RoundTrips_AndTamperingIsDetected()
    {
        var directory = Directory.CreateTempSubdirectory("confide-dp-").FullName;
        try
        {
            using var keyFile = new DataProtectionKeyFile(Path.Combine(directory, "data-protection.key"));
            var secret = new XElement("masterKey", new XElement("value", "c2VjcmV0LWtleS1tYXRlcmlhbA=="));

            var encrypted = new KeyFileXmlEncryptor(keyFile).Encrypt(secret);

            Assert.DoesNotContain("c2VjcmV0", encrypted.EncryptedElement.ToString(), StringComparison.Ordinal);
            Assert.Equal(secret.ToString(), KeyFileXmlEncryptor.Decrypt(keyFile.Provider, encrypted.EncryptedElement).ToString());
            var ciphertext = encrypted.EncryptedElement.Element("ciphertext")!;
            var bytes = Convert.FromBase64String(ciphertext.Value);
            bytes[^1] ^= 1;
            ciphertext.Value = Convert.ToBase64String(bytes);
            Assert.Throws<CryptoIntegrityException>(() => KeyFileXmlEncryptor.Decrypt(keyFile.Provider, encrypted.EncryptedElement));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ServerWritesItsDataProtectionKeysEncrypted()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("app/login")).StatusCode); // issues an antiforgery token

        var files = Directory.GetFiles(Path.Combine(server.DataDirectory, "keys", "data-protection"), "*.xml");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var xml = await File.ReadAllTextAsync(file);
            Assert.Contains("confideEncryptedKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("unencrypted form", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.DataDirectory, "keys", "data-protection.key")));
    }
}
