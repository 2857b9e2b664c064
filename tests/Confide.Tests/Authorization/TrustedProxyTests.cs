using System.Net;
using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Authorization;

/// <summary>
/// Behind a reverse proxy the IP allowlist judges the client address the proxy forwards — but
/// only from proxies listed in <c>Confide:TrustedProxies</c>; anyone else's X-Forwarded-For is ignored.
/// </summary>
public sealed class TrustedProxyTests
{
    [Fact]
    public async Task ForwardedFor_CountsOnlyFromATrustedProxy()
    {
        // 127.0.0.1 plays the proxy; [::1] is a client connecting directly.
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Configuration["Confide:TrustedProxies:0"] = "127.0.0.1");
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var proxy = server.ClientVia("127.0.0.1", Region.Eu, workspace.Token);
        using var direct = server.ClientVia("[::1]", Region.Eu, workspace.Token);

        var set = await SendAsync(proxy, HttpMethod.Put, "confide/security_settings", "203.0.113.9", new { ip_allowlist = new[] { "203.0.113.0/24" } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(proxy, HttpMethod.Get, "contacts", "203.0.113.77")).StatusCode);
        await (await SendAsync(proxy, HttpMethod.Get, "contacts", "198.51.100.1")).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");
        await (await SendAsync(proxy, HttpMethod.Get, "contacts", forwardedFor: null)).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");
        // A client that is not a trusted proxy cannot claim a listed address.
        await (await SendAsync(direct, HttpMethod.Get, "contacts", "203.0.113.77")).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");
    }

    [Fact]
    public async Task WithoutTrustedProxies_ForwardedForIsIgnored()
    {
        await using var server = await TestServer.StartAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = server.ClientVia("127.0.0.1", Region.Eu, workspace.Token);

        // The header claims a listed address, but the peer (127.0.0.1) is what counts: the change would lock the caller out.
        await (await SendAsync(client, HttpMethod.Put, "confide/security_settings", "203.0.113.9", new { ip_allowlist = new[] { "203.0.113.0/24" } }))
            .ErrorAsync(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task AMalformedTrustedProxy_StopsTheServer()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(Providers.Sqlite, configure: b => b.Configuration["Confide:TrustedProxies:0"] = "proxy.internal"));
        Assert.Contains("Confide:TrustedProxies", failure.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? forwardedFor, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return client.SendAsync(request);
    }
}
