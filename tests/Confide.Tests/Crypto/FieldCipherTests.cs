using System.Text;
using Confide.Crypto;

namespace Confide.Tests.Crypto;

public sealed class FieldCipherTests
{
    private static readonly FieldContext Email = new("eu_k3j9x2m4q8w1", "eu", "contact", "6b08ada2f2432dc0476f2315", "email");

    [Fact]
    public void Encrypt_ThenDecrypt_RoundTrips_AndHidesThePlaintext()
    {
        using var key = DataKey.Generate();
        var envelope = FieldCipher.EncryptString(key, Email, "ada@example.com");

        Assert.Equal("ada@example.com", FieldCipher.DecryptString(key, Email, envelope));
        Assert.Equal(FieldCipher.Overhead + "ada@example.com".Length, envelope.Length);
        Assert.Equal(-1, envelope.AsSpan().IndexOf("ada@"u8));
        Assert.Equal(key.Id, FieldCipher.KeyIdOf(envelope));
        Assert.NotEqual(envelope, FieldCipher.EncryptString(key, Email, "ada@example.com"));
    }

    public static TheoryData<string, FieldContext> OtherPlaces => new()
    {
        { "another workspace", Email with { WorkspaceId = "eu_aaaaaaaaaaaa" } },
        { "another region", Email with { Region = "us" } },
        { "another entity", Email with { Entity = "note" } },
        { "another record", Email with { RecordId = "6b08ada2f2432dc0476f2316" } },
        { "another field", Email with { Field = "phone" } },
        // Length prefixes keep field boundaries: moving characters between fields must not collide.
        { "shifted boundary", Email with { Entity = "contacte", Field = "mail" } },
    };

    [Theory, MemberData(nameof(OtherPlaces))]
    public void Ciphertext_MovedToAnotherPlace_FailsAsIntegrityError(string place, FieldContext other)
    {
        using var key = DataKey.Generate();
        var envelope = FieldCipher.EncryptString(key, Email, "ada@example.com");

        var error = Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(key, other, envelope));
        Assert.DoesNotContain("ada", error.Message, StringComparison.Ordinal);
        Assert.NotNull(place);
    }

    [Fact]
    public void EveryFlippedBit_FailsAsIntegrityError()
    {
        using var key = DataKey.Generate();
        var envelope = FieldCipher.EncryptString(key, Email, "x");

        for (var bit = 0; bit < envelope.Length * 8; bit++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(key, Email, tampered));
        }
    }

    [Fact]
    public void WrongKeyVersion_TruncatedOrUnknownFormat_FailAsIntegrityErrors()
    {
        using var key = DataKey.Generate();
        using var otherVersion = DataKey.Generate();
        using var sameIdOtherBytes = new DataKey(key.Id, DataKey.Generate().Material);
        var envelope = FieldCipher.EncryptString(key, Email, "ada@example.com");

        Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(otherVersion, Email, envelope));
        Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(sameIdOtherBytes, Email, envelope));
        Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(key, Email, envelope.AsSpan(0, FieldCipher.Overhead - 1)));
        Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(key, Email, [0x02, .. envelope.AsSpan(1)]));
        Assert.Throws<CryptoIntegrityException>(() => FieldCipher.Decrypt(key, Email, []));
    }

    [Fact]
    public void DataKey_RefusesToEncryptPastItsUseLimit()
    {
        using var key = new DataKey(Guid.NewGuid(), DataKey.Generate().Material, encryptionsSoFar: DataKey.MaxEncryptions - 1);

        FieldCipher.Encrypt(key, Email, Encoding.UTF8.GetBytes("last"));

        Assert.Throws<KeyUsageExhaustedException>(() => FieldCipher.Encrypt(key, Email, Encoding.UTF8.GetBytes("one too many")));
        Assert.True(DataKey.MaxEncryptions < 1L << 32);
    }
}
