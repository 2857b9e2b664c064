using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Transport;

/// <summary>The optional plain-HTTP port only redirects to HTTPS; without it there is no plain HTTP at all.</summary>
public sealed class HttpRedirectTests
{
    [Fact]
    public async Task PlainHttpPort_Answers308ToTheHttpsUrl_WithNoBodyCookiesOrApi()
    {
        var httpPort = FreePorts.Next();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, settings: [$"--Confide:Regions:eu:HttpPort={httpPort}"]);
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://localhost:{httpPort}/") };

        foreach (var (method, path) in new[] { (HttpMethod.Get, "app/login?next=%2Fapp%2Finbox"), (HttpMethod.Post, "contacts"), (HttpMethod.Get, "health") })
        {
            using var response = await plain.SendAsync(new HttpRequestMessage(method, path));

            Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
            Assert.Equal($"https://localhost:{server.Ports[Region.Eu]}/{path}", response.Headers.Location!.OriginalString);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
            Assert.False(response.Headers.Contains("Set-Cookie"));
            Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        }

        using var https = server.Client(Region.Eu);
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("health")).StatusCode);
    }

    [Fact]
    public async Task WithoutHttpPort_TheHttpsPortRefusesPlainHttp()
    {
        var server = await TestServer.StartAsync(Providers.Sqlite);
        await using (server)
        {
            using var plain = new HttpClient { BaseAddress = new Uri($"http://localhost:{server.Ports[Region.Eu]}/"), Timeout = TimeSpan.FromSeconds(60) };

            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("health"));
        }
    }
}
