using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>A teammate page's 403 and 404 are pages inside the app's layout; the API keeps its Intercom error body.</summary>
public sealed class ErrorPageTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task UnknownPageAndConversation_Are404PagesInTheLayout_AndTheApiKeepsItsJsonBody(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());

        var anonymous = await browser.GetAsync("app/no-such-page");
        await AssertErrorPageAsync(anonymous, HttpStatusCode.NotFound, "Page not found");
        Assert.Contains("href=\"/app/login\"", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        foreach (var path in new[] { "app/no-such-page", $"app/inbox/no-such-conversation?workspace={workspace.Id}", "app/inbox?workspace=not-a-member" })
        {
            var html = await AssertErrorPageAsync(await browser.GetAsync(path), HttpStatusCode.NotFound, "Page not found");
            // Inside the layout: the signed-in navigation and the sign-out form.
            Assert.Contains("aria-label=\"Sections\"", html, StringComparison.Ordinal);
            Assert.Contains("Sign out", html, StringComparison.Ordinal);
        }

        using var api = workspace.Client();
        await (await api.GetAsync("no-such-route")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync("conversations/no-such-conversation")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task APageTheRoleDoesNotAllow_Is403PageInTheLayout_WithTheReason(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var viewer = await (await api.PostJsonAsync("confide/teammates", new { email = $"viewer-{Guid.NewGuid():N}@example.com", role = "viewer" })).JsonAsync();
        var viewerEmail = (await (await api.GetAsync($"admins/{viewer.Str("id")}")).JsonAsync()).Str("email");
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(viewerEmail, await server.JoinByInvitationAsync(Region.Eu, viewerEmail))).StatusCode);

        var html = await AssertErrorPageAsync(await browser.GetAsync($"app/activity?workspace={workspace.Id}"), HttpStatusCode.Forbidden, "Not allowed");
        Assert.Contains("Your role in this workspace does not allow this page.", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"Sections\"", html, StringComparison.Ordinal);

        // The API's 403 keeps the Intercom body.
        using var viewerApi = server.Client(Region.Eu, "not-a-token");
        await (await viewerApi.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private static async Task<string> AssertErrorPageAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<h1>{title}</h1>", html, StringComparison.Ordinal);
        Assert.Contains("class=\"topbar\"", html, StringComparison.Ordinal);
        Assert.Contains($"data-status=\"{(int)status}\"", html, StringComparison.Ordinal);
        return html;
    }
}
