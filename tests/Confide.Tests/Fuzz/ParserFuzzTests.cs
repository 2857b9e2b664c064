using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Confide.Audit;
using Confide.Identity.Sso.Saml;
using Confide.Messaging.Messenger.Settings;
using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Sso;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Fuzz;

/// <summary>
/// The parsers and verifiers that take untrusted bytes, fuzzed from their checked-in corpus for a
/// few seconds each: each either accepts or refuses with its documented, typed rejection, and
/// nothing else ever escapes.
/// </summary>
public sealed class ParserFuzzTests
{
    /// <summary>The workspace, secret and clock the JWT corpus was made for (scripts in the corpus README).</summary>
    public const string JwtAudience = "eu_fuzz0000000000000000000";
    public const string JwtSecret = "fuzz-secret-for-hs256-identity-tokens-000";
    public static readonly DateTimeOffset JwtNow = DateTimeOffset.FromUnixTimeSeconds(1_767_225_610);

    // Mutations per target: each a few seconds at most on a loaded two-core machine.

    [Fact]
    public async Task IdentityTokens_RefuseOrAccept_NeverThrow()
    {
        var checker = new IdentityToken(new FakeTimeProvider(JwtNow));
        var keySet = MessengerKeySet.Normalise(JsonDocument.Parse(Fuzzer.Corpus("jwks")[0]).RootElement);
        var secret = Encoding.UTF8.GetBytes(JwtSecret);
        await Fuzzer.RunAsync("jwt", async (input, _) =>
        {
            var token = Encoding.UTF8.GetString(input);
            var (claims, failure) = await checker.CheckAsync(token, JwtAudience, [secret], keySet, 3600);
            Assert.True(claims is null != (failure is null), "exactly one of claims and failure");
        }, iterations: 40_000, mutate: MutateJwt);
    }

    [Fact]
    public async Task JsonWebKeySets_AreNormalisedOrRefusedWith400_NeverThrow()
    {
        var binding = new JsonSerializerOptions { Converters = { new WellFormedJsonElementConverter() } };
        await Fuzzer.RunAsync("jwks", (input, random) =>
        {
            JsonElement keySet;
            try
            {
                // As the API binds the body's jwks member.
                keySet = JsonSerializer.Deserialize<JsonElement>(input, binding);
            }
            catch (JsonException)
            {
                // Not JSON, or not well-formed: the body binding answers 400 before the key set is read.
                return Task.CompletedTask;
            }

            try
            {
                var stored = MessengerKeySet.Normalise(keySet);
                _ = MessengerKeySet.Keys(stored);
                _ = MessengerKeySet.KeyIds(stored);
            }
            catch (ConfideException ex) when (ex.Error.Code == "parameter_invalid")
            {
            }

            return Task.CompletedTask;
        }, iterations: 30_000);
    }

    [Fact]
    public async Task SamlResponses_AreRefusedWithSamlException_NeverThrow()
    {
        using var certificate = SamlResponseForge.OtherCertificate();
        var context = SamlFuzzContext(certificate);
        var accepted = 0;
        await Fuzzer.RunAsync("saml", (input, random) =>
        {
            var encoded = random.Next(2) == 0 ? Signed(input, certificate) ?? Convert.ToBase64String(input) : Convert.ToBase64String(input);
            try
            {
                SamlResponseValidator.Validate(encoded, context);
                accepted++;
            }
            catch (SamlException)
            {
            }

            return Task.CompletedTask;
        }, iterations: 15_000);
        // The seeds sign and validate: the fuzzer reaches past the signature check.
        Assert.True(accepted > 0);
    }

    [Fact]
    public async Task ActivityLogExports_AreReportedNeverThrow()
    {
        var verified = 0;
        await Fuzzer.RunAsync("activity-log", (input, _) =>
        {
            var report = ActivityLogVerifier.Verify(new MemoryStream(input));
            Assert.False(string.IsNullOrEmpty(report.Message));
            verified += report.Ok ? 1 : 0;
            return Task.CompletedTask;
        }, iterations: 5_000);
        Assert.True(verified > 0, "the seed export verifies");
    }

    /// <summary>
    /// Writes the activity-log seeds (a valid export and the crafted ones) when
    /// <c>CONFIDE_UPDATE_FUZZ_CORPUS=1</c>; the other corpora are written by hand.
    /// </summary>
    [Fact]
    public void ActivityLogSeeds_AreWrittenOnRequest()
    {
        if (Environment.GetEnvironmentVariable("CONFIDE_UPDATE_FUZZ_CORPUS") != "1")
        {
            return;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var directory = Fuzzer.CorpusDirectory("activity-log");
        File.WriteAllText(Path.Combine(directory, "valid-export.jsonl"), string.Join('\n', ExportBuilder.Build(6, key)) + "\n");
        foreach (var craft in CraftedExportTests.Crafts.Select(row => (string)row.Data))
        {
            File.WriteAllText(Path.Combine(directory, $"crasher-{craft}.jsonl"), string.Join('\n', CraftedExportTests.Craft(ExportBuilder.Build(3, key), craft)) + "\n");
        }
    }

    /// <summary>Half the time mutates the raw token; otherwise mutates the header or the payload JSON and signs the result with the corpus secret, so the claims are read too.</summary>
    private static byte[] MutateJwt(byte[] input, Random random)
    {
        var parts = Encoding.UTF8.GetString(input).Split('.');
        if (random.Next(2) == 0 || parts.Length != 3)
        {
            return Mutator.Mutate(input, random);
        }

        var which = random.Next(2);
        var decoded = TryDecode(parts[which]) ?? Encoding.UTF8.GetBytes(parts[which]);
        parts[which] = Base64Url.EncodeToString(Mutator.Mutate(decoded, random));
        var signingInput = $"{parts[0]}.{parts[1]}";
        parts[2] = Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(JwtSecret), Encoding.ASCII.GetBytes(signingInput)));
        return Encoding.UTF8.GetBytes(string.Join('.', parts));
    }

    private static byte[]? TryDecode(string segment)
    {
        try
        {
            return Base64Url.DecodeFromChars(segment);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The template signed as an IdP signs (assertion and response), or null when the mutated XML cannot be signed.</summary>
    private static string? Signed(byte[] xml, X509Certificate2 certificate)
    {
        try
        {
            return new SamlResponseForge(Convert.ToBase64String(xml)).Resign(certificate).Encode();
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or CryptographicException or InvalidOperationException or ArgumentException or NullReferenceException or System.Xml.XPath.XPathException)
        {
            return null;
        }
    }

    private static SamlValidationContext SamlFuzzContext(X509Certificate2 certificate) => new(
        new SamlIdentityProvider("https://idp.fuzz.test/saml", new Uri("https://idp.fuzz.test/sso"), [X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert))]),
        new SamlServiceProvider("https://sp.confide.test/saml", new Uri("https://sp.confide.test/sso/saml/acs")),
        "_fuzzrequest0000000000000000000000",
        new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:05Z", System.Globalization.CultureInfo.InvariantCulture)));
}
