using System.Diagnostics;
using System.Text;
using Confide.Identity.Sso.Saml;
using Confide.Tests.Infrastructure;
using static Confide.Tests.Sso.SamlResponseForge;

namespace Confide.Tests.Sso;

/// <summary>SP-initiated login end to end against SimpleSAMLphp, with xmlsec1 as an independent signature oracle.</summary>
public sealed class SimpleSamlPhpLoginTests(SimpleSamlPhpFixture fixture) : IClassFixture<SimpleSamlPhpFixture>
{
    [Fact]
    public async Task SpInitiatedLogin_AgainstSimpleSamlPhp_YieldsTheUsersEmailAndName()
    {
        var sp = SimpleSamlPhpFixture.ServiceProvider;
        var request = SamlAuthnRequest.Create(sp, fixture.IdentityProvider, TimeProvider.System, relayState: "/inbox?view=mine");

        var posted = await fixture.Idp.LogInAsync(request.RedirectUrl);
        var assertion = SamlResponseValidator.Validate(
            posted.SamlResponse,
            new SamlValidationContext(fixture.IdentityProvider, sp, request.RequestId, TimeProvider.System));

        Assert.Equal(sp.AssertionConsumerServiceUrl, posted.Action);
        Assert.Equal("/inbox?view=mine", posted.RelayState);
        Assert.Equal(SimpleSamlPhpIdp.Email, assertion.NameId);
        Assert.Equal([SimpleSamlPhpIdp.Email], assertion.Attributes["email"]);
        Assert.Equal([SimpleSamlPhpIdp.DisplayName], assertion.Attributes["name"]);
        Assert.Equal(fixture.IdentityProvider.EntityId, assertion.Issuer);
    }

    [Fact]
    public async Task ResponseToOneBrowsersRequest_IsRefusedForAnotherBrowsersRequest()
    {
        var sp = SimpleSamlPhpFixture.ServiceProvider;
        var mine = SamlAuthnRequest.Create(sp, fixture.IdentityProvider, TimeProvider.System);
        var theirs = SamlAuthnRequest.Create(sp, fixture.IdentityProvider, TimeProvider.System);

        var posted = await fixture.Idp.LogInAsync(theirs.RedirectUrl);
        var ex = Assert.Throws<SamlException>(() => SamlResponseValidator.Validate(
            posted.SamlResponse,
            new SamlValidationContext(fixture.IdentityProvider, sp, mine.RequestId, TimeProvider.System)));

        Assert.Equal(SamlFailure.WrongInResponseTo, ex.Reason);
    }

    [Fact]
    public void IdpMetadata_FromSimpleSamlPhp_NamesItsEntitySsoEndpointAndTheGeneratedCertificate()
    {
        var idp = fixture.IdentityProvider;

        Assert.Equal(fixture.Idp.EntityId, idp.EntityId);
        Assert.Equal(new Uri(fixture.Idp.BaseUrl, "saml2/idp/SSOService.php"), idp.SingleSignOnUrl);
        Assert.Equal(fixture.Idp.Certificate.Thumbprint, Assert.Single(idp.SigningCertificates).Thumbprint);
    }

    [Fact]
    public void Xmlsec1_AgreesWithTheValidator_OnTheGenuineAndAnAlteredResponse()
    {
        if (FindOnPath("xmlsec1") is not { } xmlsec1)
        {
            Assert.Skip("xmlsec1 is not installed (Debian package xmlsec1; scripts/test.sh installs it).");
            return;
        }

        var directory = Directory.CreateTempSubdirectory("confide-xmlsec1-").FullName;
        try
        {
            var certificate = Path.Combine(directory, "idp.crt");
            File.WriteAllText(certificate, fixture.Idp.Certificate.ExportCertificatePem());
            var genuine = Path.Combine(directory, "genuine.xml");
            File.WriteAllBytes(genuine, Convert.FromBase64String(fixture.GenuineResponse));
            var altered = new SamlResponseForge(fixture.GenuineResponse).RemoveResponseSignature();
            altered.Element(Saml, "NameID").InnerText = "mallory@example.com";
            var alteredPath = Path.Combine(directory, "altered.xml");
            File.WriteAllBytes(alteredPath, Encoding.UTF8.GetBytes(altered.Document.OuterXml));

            Assert.Equal(0, Verify(xmlsec1, certificate, genuine, "Response", out var log1));
            Assert.Equal(0, Verify(xmlsec1, certificate, genuine, "Assertion", out var log2));
            Assert.NotEqual(0, Verify(xmlsec1, certificate, alteredPath, "Assertion", out _));
            Assert.Contains("OK", log1 + log2, StringComparison.Ordinal);
            Assert.Throws<SamlException>(() => SamlResponseValidator.Validate(altered.Encode(), fixture.Context()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>xmlsec1 --verify of the Signature that is a child of the Response or of the Assertion, trusting only the IdP's certificate.</summary>
    private static int Verify(string xmlsec1, string certificate, string file, string signedElement, out string output)
    {
        var info = new ProcessStartInfo(xmlsec1) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var ns = signedElement == "Response" ? Protocol : Saml;
        foreach (var arg in new[]
        {
            "--verify", "--pubkey-cert-pem", certificate, "--id-attr:ID", $"{ns}:{signedElement}",
            "--node-xpath", $"/*/{(signedElement == "Response" ? "" : "*[local-name()='Assertion']/")}*[local-name()='Signature']", file,
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
