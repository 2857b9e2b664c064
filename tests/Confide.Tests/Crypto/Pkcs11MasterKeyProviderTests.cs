using Confide.Crypto;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Confide.Tests.Crypto;

/// <summary>The provider contract and the HSM's own promises, against a real SoftHSM2 token per test.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Pkcs11MasterKeyProviderTests : MasterKeyProviderContract
{
    private readonly Lazy<HsmToken> _token = new(TestHsm.CreateToken);

    private HsmToken Token => _token.Value;

    protected override IMasterKeyProvider OpenStore(bool createIfMissing) =>
        Pkcs11MasterKeyProvider.Open(Region.Eu, Token.Library, Token.Label, Token.Pin, "confide-eu-master", createIfMissing);

    [Fact]
    public void WrongPin_FailsAsUnavailable_NamingRegionAndToken_NeverThePin()
    {
        var wrongPin = "not-" + Token.Pin;

        var error = Assert.Throws<MasterKeyUnavailableException>(() =>
            Pkcs11MasterKeyProvider.Open(Region.Eu, Token.Library, Token.Label, wrongPin, "confide-eu-master", createIfMissing: true));

        Assert.Contains("Region 'eu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Token.Label, error.Message, StringComparison.Ordinal);
        Assert.Contains("PIN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token.Pin, error.Message, StringComparison.Ordinal);

        // Also while this process is already logged in to the token with the right PIN.
        using var open = Pkcs11MasterKeyProvider.Open(Region.Eu, Token.Library, Token.Label, Token.Pin, "confide-eu-master", createIfMissing: true);
        var again = Assert.Throws<MasterKeyUnavailableException>(() =>
            Pkcs11MasterKeyProvider.Open(Region.Eu, Token.Library, Token.Label, wrongPin, "confide-eu-master", createIfMissing: true));
        Assert.DoesNotContain(Token.Pin, again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownTokenOrMissingLibrary_FailsAsUnavailable_NamingRegionAndSource()
    {
        var missingToken = Assert.Throws<MasterKeyUnavailableException>(() =>
            Pkcs11MasterKeyProvider.Open(Region.Eu, Token.Library, "no-such-token", Token.Pin, "confide-eu-master", createIfMissing: true));
        Assert.Contains("Region 'eu'", missingToken.Message, StringComparison.Ordinal);
        Assert.Contains("'no-such-token'", missingToken.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token.Pin, missingToken.Message, StringComparison.Ordinal);

        var library = Path.Combine(Path.GetTempPath(), $"no-such-pkcs11-{Guid.NewGuid():N}.so");
        var missingLibrary = Assert.Throws<MasterKeyUnavailableException>(() =>
            Pkcs11MasterKeyProvider.Open(Region.Eu, library, Token.Label, Token.Pin, "confide-eu-master", createIfMissing: true));
        Assert.Contains("Region 'eu'", missingLibrary.Message, StringComparison.Ordinal);
        Assert.Contains(library, missingLibrary.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetireByAnotherInstance_MakesItsWrapsUnavailable_EvenWhereTheVersionWasSeenBefore()
    {
        using var first = (Pkcs11MasterKeyProvider)OpenStore(createIfMissing: true);
        using var second = (Pkcs11MasterKeyProvider)OpenStore(createIfMissing: false);
        var old = await first.WrapAsync(new byte[32], "ctx"u8.ToArray());
        Assert.Equal(new byte[32], await second.UnwrapAsync(old, "ctx"u8.ToArray()));
        var oldId = first.KeyId;

        await first.RotateAsync();
        await first.RetireAsync(oldId);

        var error = await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await second.UnwrapAsync(old, "ctx"u8.ToArray()));
        Assert.Contains("Region 'eu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(oldId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(oldId, second.KeyIds);
    }

    [Fact]
    public async Task TwoRegionsOnOneToken_KeepSeparateKeys()
    {
        using var eu = (Pkcs11MasterKeyProvider)OpenStore(createIfMissing: true);
        using var us = Pkcs11MasterKeyProvider.Open(Region.Us, Token.Library, Token.Label, Token.Pin, "confide-us-master", createIfMissing: true);

        Assert.NotEqual(eu.KeyId, us.KeyId);
        await us.RotateAsync();
        Assert.Single(eu.KeyIds);
        Assert.Equal(2, us.KeyIds.Count);
        var wrapped = await eu.WrapAsync(new byte[32], "ctx"u8.ToArray());
        await Assert.ThrowsAsync<MasterKeyUnavailableException>(async () => await us.UnwrapAsync(wrapped, "ctx"u8.ToArray()));
        us.Dispose();
        Assert.Equal(new byte[32], await eu.UnwrapAsync(wrapped, "ctx"u8.ToArray()));
    }

    [Fact]
    public void KeyObjects_AreSensitiveAndNeverExtractable()
    {
        using var provider = (Pkcs11MasterKeyProvider)OpenStore(createIfMissing: true);

        provider.WithKeyObject(provider.KeyId, (session, key) =>
        {
            var flags = session.GetAttributeValue(key, [CKA.CKA_TOKEN, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_WRAP, CKA.CKA_VALUE_LEN]);
            Assert.Equal([true, true, false, true, true, false], flags.Take(6).Select(a => a.GetValueAsBool()));
            Assert.Equal(32UL, flags[6].GetValueAsUlong());

            var value = session.GetAttributeValue(key, [CKA.CKA_VALUE]).Single();
            Assert.True(value.CannotBeRead, "CKA_VALUE of a master key must not be readable");

            // Nor can it leave wrapped under another key.
            var attributes = session.Factories.ObjectAttributeFactory;
            using var genMechanism = session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            var wrappingKey = session.GenerateKey(genMechanism,
            [
                attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                attributes.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
                attributes.Create(CKA.CKA_VALUE_LEN, 32UL),
                attributes.Create(CKA.CKA_TOKEN, false),
                attributes.Create(CKA.CKA_WRAP, true),
            ]);
            using var wrapMechanism = session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
            var refused = Assert.Throws<Pkcs11Exception>(() => session.WrapKey(wrapMechanism, wrappingKey, key));
            Assert.Equal(CKR.CKR_KEY_UNEXTRACTABLE, refused.RV);
            return true;
        });
    }

    [Fact]
    public async Task Factory_ReadsThePinFromAnOwnerOnlyFile_AndRefusesAnExposedOne()
    {
        var directory = Directory.CreateTempSubdirectory("confide-pin-").FullName;
        try
        {
            var pinFile = Path.Combine(directory, "eu.pin");
            await File.WriteAllTextAsync(pinFile, Token.Pin + "\n");
            File.SetUnixFileMode(pinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var settings = new MasterKeySettings
            {
                Provider = "pkcs11",
                Pkcs11 = new Pkcs11Settings { Library = Token.Library, TokenLabel = Token.Label, PinFile = pinFile },
            };

            var provider = MasterKeyProviderFactory.Open(Region.Eu, settings, Path.Combine(directory, "unused.key"), createIfMissing: true);
            using (provider as IDisposable)
            {
                Assert.IsType<Pkcs11MasterKeyProvider>(provider);
                Assert.Contains($"'{Token.Label}'", provider.Source, StringComparison.Ordinal);
                Assert.Contains("'confide-eu-master'", provider.Source, StringComparison.Ordinal);
                Assert.False(File.Exists(Path.Combine(directory, "unused.key")));
            }

            File.SetUnixFileMode(pinFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var exposed = Assert.Throws<MasterKeyUnavailableException>(() => MasterKeyProviderFactory.Open(Region.Eu, settings, "unused.key", createIfMissing: true));
            Assert.Contains("chmod 600", exposed.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Token.Pin, exposed.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
