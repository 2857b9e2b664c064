using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Crypto;

/// <summary>
/// The key file that protects ASP.NET Core Data Protection's keys (they sign session cookies
/// and antiforgery tokens), kept beside the region master keys: <c>data/keys/data-protection.key</c>.
/// </summary>
public sealed class DataProtectionKeyFile(string path) : IDisposable
{
    private readonly Lazy<KeyFileMasterKeyProvider> _provider = new(() => KeyFileMasterKeyProvider.Open("Data protection", path, createIfMissing: true));

    public IMasterKeyProvider Provider => _provider.Value;

    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Dispose();
        }
    }
}

/// <summary>
/// Encrypts each Data Protection key before it is written to disk: a fresh data key encrypts
/// the key's XML (AES-256-GCM), and the data-protection key file wraps that data key.
/// Without this, Data Protection stores its keys in clear.
/// </summary>
public sealed class KeyFileXmlEncryptor(DataProtectionKeyFile keyFile) : IXmlEncryptor
{
    private static readonly FieldContext Context = new("-", "-", "data-protection", "key", "xml");
    private static readonly byte[] WrapContext = "data-protection:key"u8.ToArray();

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        using var dataKey = DataKey.Generate();
        var ciphertext = FieldCipher.Encrypt(dataKey, Context, Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting)));
        // The key-file provider completes synchronously; Data Protection's interface is synchronous.
        var wrapped = keyFile.Provider.WrapAsync(dataKey.Material.ToArray(), WrapContext).AsTask().GetAwaiter().GetResult();
        var element = new XElement(
            "confideEncryptedKey",
            new XElement("wrappedKey", Convert.ToBase64String(wrapped)),
            new XElement("keyId", dataKey.Id.ToString("D")),
            new XElement("ciphertext", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(KeyFileXmlDecryptor));
    }

    internal static XElement Decrypt(IMasterKeyProvider provider, XElement encrypted)
    {
        var wrapped = Convert.FromBase64String((string?)encrypted.Element("wrappedKey") ?? "");
        var keyId = Guid.Parse((string?)encrypted.Element("keyId") ?? "");
        var ciphertext = Convert.FromBase64String((string?)encrypted.Element("ciphertext") ?? "");
        var material = provider.UnwrapAsync(wrapped, WrapContext).AsTask().GetAwaiter().GetResult();
        using var dataKey = new DataKey(keyId, material);
        return XElement.Parse(Encoding.UTF8.GetString(FieldCipher.Decrypt(dataKey, Context, ciphertext)));
    }
}

/// <summary>Created by Data Protection through its activator, hence the service-provider constructor.</summary>
public sealed class KeyFileXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        KeyFileXmlEncryptor.Decrypt(services.GetRequiredService<DataProtectionKeyFile>().Provider, encryptedElement);
}
