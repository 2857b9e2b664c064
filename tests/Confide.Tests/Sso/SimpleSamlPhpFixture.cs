using System.Globalization;
using Confide.Identity.Sso.Saml;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Sso;

/// <summary>One SimpleSAMLphp IdP per test class, and one genuine login through it to build attack responses from.</summary>
public sealed class SimpleSamlPhpFixture : IAsyncLifetime
{
    public static readonly SamlServiceProvider ServiceProvider =
        new("https://sp.confide.test/saml", new Uri("https://sp.confide.test/sso/saml/acs"));

    private SimpleSamlPhpIdp? _idp;

    public SimpleSamlPhpIdp Idp => _idp ?? throw new InvalidOperationException("The IdP has not started.");

    /// <summary>The IdP as an administrator would configure it: from its published metadata.</summary>
    public SamlIdentityProvider IdentityProvider { get; private set; } = null!;

    /// <summary>A real response, as posted by the browser, to the request with <see cref="RequestId"/>.</summary>
    public string GenuineResponse { get; private set; } = "";

    public string RequestId { get; private set; } = "";

    public DateTimeOffset IssueInstant { get; private set; }

    public async ValueTask InitializeAsync()
    {
        _idp = await SimpleSamlPhpIdp.StartAsync(ServiceProvider);
        IdentityProvider = SamlMetadata.ParseIdentityProvider(_idp.MetadataXml);
        var request = SamlAuthnRequest.Create(ServiceProvider, IdentityProvider, TimeProvider.System);
        var posted = await _idp.LogInAsync(request.RedirectUrl);
        RequestId = request.RequestId;
        GenuineResponse = posted.SamlResponse;
        IssueInstant = DateTimeOffset.Parse(
            new SamlResponseForge(GenuineResponse).Response.GetAttribute("IssueInstant"),
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    /// <summary>What the ACS endpoint would pass: this IdP, the test SP, the request ID and a clock shortly after the response was issued.</summary>
    public SamlValidationContext Context(
        DateTimeOffset? at = null,
        string? inResponseTo = null,
        SamlIdentityProvider? idp = null,
        SamlServiceProvider? sp = null) =>
        new(idp ?? IdentityProvider, sp ?? ServiceProvider, inResponseTo ?? RequestId, new FakeTimeProvider(at ?? IssueInstant.AddSeconds(5)));

    public async ValueTask DisposeAsync()
    {
        if (_idp is not null)
        {
            await _idp.DisposeAsync();
        }
    }
}
