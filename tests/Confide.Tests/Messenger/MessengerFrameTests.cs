using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Messenger;

/// <summary>
/// The frame for a site that is not allowed: a page that says so (and nothing else) instead of a
/// frame the browser refuses, while the real messenger keeps its frame-ancestors list whatever
/// the Referer claims.
/// </summary>
public sealed class MessengerFrameTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Frame_ForASiteNotAllowed_SaysSo_AndTheMessengerKeepsItsAncestorList(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await MessengerSetup.AllowOriginsAsync(server, workspace, "https://shop.example.com");
        using var http = server.Client(Region.Eu);

        // Not listed: the notice, naming only the origin (the path never comes back), framable anywhere.
        var refused = await FrameAsync(http, workspace.Id, "https://Other.Example:8443/checkout?order=1042");
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("data-state=\"origin-not-allowed\"", html, StringComparison.Ordinal);
        Assert.Contains("https://other.example:8443", html, StringComparison.Ordinal);
        Assert.DoesNotContain("checkout", html, StringComparison.Ordinal);
        Assert.DoesNotContain("1042", html, StringComparison.Ordinal);
        Assert.EndsWith("frame-ancestors *", Csp(refused), StringComparison.Ordinal);

        // Listed, or no Referer at all: the messenger, which only the listed sites may frame.
        foreach (var referer in new[] { "https://shop.example.com/cart", null })
        {
            var frame = await FrameAsync(http, workspace.Id, referer);
            Assert.DoesNotContain("origin-not-allowed", await frame.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.EndsWith("frame-ancestors https://shop.example.com", Csp(frame), StringComparison.Ordinal);
        }

        // With no site listed, every site gets the notice.
        await MessengerSetup.AllowOriginsAsync(server, workspace, "");
        Assert.Contains("origin-not-allowed", await (await FrameAsync(http, workspace.Id, "https://shop.example.com/")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.EndsWith("frame-ancestors 'none'", Csp(await FrameAsync(http, workspace.Id, null)), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> FrameAsync(HttpClient http, string appId, string? referer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"messenger/v1/frame?app_id={appId}");
        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer);
        }

        return await http.SendAsync(request);
    }

    private static string Csp(HttpResponseMessage response) => response.Headers.GetValues("Content-Security-Policy").Single();
}
