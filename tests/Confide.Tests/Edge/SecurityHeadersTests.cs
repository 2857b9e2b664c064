using System.Net;
using System.Text;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Confide.Tests.Edge;

public sealed class SecurityHeadersTests(Servers servers)
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    private static void AssertCommonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
    }

    private static void AssertApiHeaders(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        AssertCommonHeaders(response);
        Assert.Equal(ApiPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.True(response.Headers.CacheControl?.NoStore, $"{(int)status}: Cache-Control no-store");
    }

    [Fact]
    public async Task Page_KeepsItsOwnPolicyAndGetsTheCommonHeaders()
    {
        using var browser = (await servers.GetAsync(Providers.Sqlite)).Browser(Region.Eu, new CookieContainer());

        var response = await browser.GetAsync("app/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertCommonHeaders(response);
        Assert.Contains("script-src 'self'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    /// <summary>The inbox's event stream: the common headers, and nothing that would hold events back or keep them.</summary>
    [Fact]
    public async Task InboxEventStream_CarriesTheHeaders_UnbufferedAndUncached()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await using var events = await Web.EventStream.OpenAsync(browser, workspace.Id, timeout.Token);

        AssertCommonHeaders(events.Response);
        Assert.True(events.Response.Headers.CacheControl?.NoStore);
        Assert.Equal("no", Assert.Single(events.Response.Headers.GetValues("X-Accel-Buffering")));
        Assert.Empty(events.Response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task ApiSuccessAndErrors_CarryTheHeaders()
    {
        var workspace = await (await servers.GetAsync(Providers.Sqlite)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        AssertApiHeaders(await client.GetAsync("me"), HttpStatusCode.OK);
        AssertApiHeaders(await client.GetAsync("no/such/route"), HttpStatusCode.NotFound);
        AssertApiHeaders(await client.DeleteAsync("me"), HttpStatusCode.MethodNotAllowed);
        using var anonymous = workspace.Server.Client(Region.Eu);
        AssertApiHeaders(await anonymous.GetAsync("contacts"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task OversizeBody_413CarriesTheHeaders()
    {
        var workspace = await (await servers.GetAsync(Providers.Sqlite)).CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var huge = "{\"name\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "contacts") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;

        var response = await client.SendAsync(request);

        AssertApiHeaders(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task StaticFile_CarriesTheHeaders()
    {
        using var client = (await servers.GetAsync(Providers.Sqlite)).Client(Region.Eu);

        var response = await client.GetAsync("js/passkeys.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertCommonHeaders(response);
    }

    [Fact]
    public async Task RateLimited429_CarriesTheHeaders()
    {
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["Confide:RateLimits:TokenPerSecond"] = "1", ["Confide:RateLimits:TokenBurst"] = "1" }));
        using var client = (await server.CreateWorkspaceAsync(Region.Eu)).Client();

        // The bucket refills on a one-second timer, which may tick between two requests: a few
        // in a row are sure to meet an empty bucket.
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 5 && refused is null; i++)
        {
            var response = await client.GetAsync("me");
            refused = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        AssertApiHeaders(refused ?? throw new Xunit.Sdk.XunitException("no request was refused"), HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task UnhandledException_Gives500IntercomErrorWithoutDetailsAndTheHeaders()
    {
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configureApp: app =>
            app.MapGet("/test/throw", IResult () => throw new InvalidOperationException("secret detail")).AllowAnonymous());
        using var client = server.Client(Region.Eu);

        var response = await client.GetAsync("test/throw");

        AssertApiHeaders(response, HttpStatusCode.InternalServerError);
        var json = await response.ErrorAsync(HttpStatusCode.InternalServerError, "server_error");
        Assert.DoesNotContain("secret detail", json.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCookieOfASignIn_IsSecureHttpOnlyWithSameSite()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        var setCookies = new List<string>();

        var login = await browser.GetAsync("app/login");
        setCookies.AddRange(login.Headers.TryGetValues("Set-Cookie", out var first) ? first : []);
        var form = TeammateBrowser.Form(await login.Content.ReadAsStringAsync(), new() { ["Email"] = workspace.OwnerEmail, ["Password"] = TeammateBrowser.OwnerPassword });
        var signedIn = await browser.PostAsync("app/login", form);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        setCookies.AddRange(signedIn.Headers.GetValues("Set-Cookie"));

        Assert.Contains(setCookies, c => c.StartsWith("confide_session=", StringComparison.Ordinal));
        Assert.Contains(setCookies, c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.All(setCookies, cookie =>
        {
            var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
            Assert.Contains("secure", attributes);
            Assert.Contains("httponly", attributes);
            Assert.Contains(attributes, a => a.StartsWith("samesite=", StringComparison.Ordinal));
        });
    }
}
