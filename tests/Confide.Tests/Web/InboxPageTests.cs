using System.Net;
using System.Text.RegularExpressions;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

public sealed partial class InboxPageTests(Servers servers)
{
    private const string Password = "correct-horse-battery-staple";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Teammate_SignsIn_SeesConversation_Replies(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "visitor@example.com", name = "Vera" })).JsonAsync()).Str("id");
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Where is my order?" })).JsonAsync()).Str("conversation_id");

        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        await SignInAsync(browser, workspace.OwnerEmail, Password, expectSuccess: true);

        var inboxResponse = await browser.GetAsync("app/inbox");
        // Only this origin's script files may run (js/passkeys.js): no inline script, no eval.
        var csp = inboxResponse.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        var inbox = await HtmlAsync(browser, "app/inbox");
        Assert.Contains("Vera", inbox, StringComparison.Ordinal);
        Assert.Contains("Where is my order?", inbox, StringComparison.Ordinal);

        var thread = await HtmlAsync(browser, $"app/inbox/{conversationId}");
        var token = AntiforgeryToken(thread);
        var reply = await browser.PostAsync($"app/inbox/{conversationId}?handler=Reply&workspace={workspace.Id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["body"] = "It ships today.",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
        var close = await browser.PostAsync($"app/inbox/{conversationId}?handler=Close&workspace={workspace.Id}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, close.StatusCode);

        var conversation = await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync();
        var parts = conversation.GetProperty("conversation_parts").GetProperty("conversation_parts");
        Assert.Equal("It ships today.", parts[0].Str("body"));
        Assert.Equal(workspace.OwnerId, parts[0].GetProperty("author").Str("id"));
        Assert.Equal("closed", conversation.Str("state"));
        Assert.Contains("It ships today.", await HtmlAsync(browser, $"app/inbox/{conversationId}"), StringComparison.Ordinal);
        // The list shows the latest message, not the close that came after it.
        Assert.Contains("It ships today.", await HtmlAsync(browser, $"app/inbox?workspace={workspace.Id}&state=closed"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageContent_IsRenderedAsText()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { name = "<b>Mallory</b>", role = "lead" })).JsonAsync()).Str("id");
        var hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        var conversationId = (await (await api.PostJsonAsync("conversations", new { from = new { type = "lead", id = contactId }, body = hostile })).JsonAsync()).Str("conversation_id");

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(browser, workspace.OwnerEmail, Password, expectSuccess: true);

        foreach (var page in new[] { "app/inbox", $"app/inbox/{conversationId}" })
        {
            var html = await HtmlAsync(browser, page);
            Assert.DoesNotContain("<script>alert", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<b>Mallory", html, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SignIn_FailsWithOneMessage_ForWrongPasswordAndUnknownEmail()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());

        var wrongPassword = await SignInAsync(browser, workspace.OwnerEmail, "not-the-password", expectSuccess: false);
        var unknownEmail = await SignInAsync(browser, "nobody@example.com", "not-the-password", expectSuccess: false);

        Assert.Contains("The email or password is incorrect", wrongPassword, StringComparison.Ordinal);
        Assert.Equal(ErrorMessage(wrongPassword), ErrorMessage(unknownEmail));
        var anonymous = await browser.GetAsync("app/inbox");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/app/login", anonymous.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teammate_CannotOpenOtherWorkspacesOrUseTheSessionInAnotherRegion()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var mine = await server.CreateWorkspaceAsync(Region.Eu);
        var theirs = await server.CreateWorkspaceAsync(Region.Eu);
        using var theirApi = theirs.Client();
        var contactId = (await (await theirApi.PostJsonAsync("contacts", new { email = "private@example.com" })).JsonAsync()).Str("id");
        var theirConversation = (await (await theirApi.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "confidential" })).JsonAsync()).Str("conversation_id");

        var cookies = new CookieContainer();
        using var browser = server.Browser(Region.Eu, cookies);
        await SignInAsync(browser, mine.OwnerEmail, Password, expectSuccess: true);

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"app/inbox/{theirConversation}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"app/inbox/{theirConversation}?workspace={theirs.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"app/inbox?workspace={theirs.Id}")).StatusCode);
        Assert.DoesNotContain("confidential", await HtmlAsync(browser, "app/inbox"), StringComparison.Ordinal);

        // Browsers send localhost cookies to every port; the us endpoint must not accept an eu session.
        using var usBrowser = server.Browser(Region.Us, cookies);
        var us = await usBrowser.GetAsync("app/inbox");
        Assert.Equal(HttpStatusCode.Redirect, us.StatusCode);
        Assert.StartsWith("/app/login", us.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    /// <summary>Posts the sign-in form; returns the page shown after it.</summary>
    private static async Task<string> SignInAsync(HttpClient browser, string email, string password, bool expectSuccess)
    {
        var form = await HtmlAsync(browser, "app/login");
        var response = await browser.PostAsync("app/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = AntiforgeryToken(form),
        }));
        if (expectSuccess)
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/app/inbox", response.Headers.Location!.OriginalString);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> HtmlAsync(HttpClient browser, string path)
    {
        var response = await browser.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return html;
    }

    private static string AntiforgeryToken(string html) => TokenPattern().Match(html).Groups[1].Value;

    private static string ErrorMessage(string html) => ErrorPattern().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("role=\"alert\">([^<]+)<")]
    private static partial Regex ErrorPattern();
}
