using Confide.Server.Hosting.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Confide.Tests.Edge;

public sealed class RateLimitedRequestKindsTests
{
    private static HttpRequest Request(string method, string path)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        return http.Request;
    }

    [Theory]
    [InlineData("POST", "/app/login", true)]
    [InlineData("POST", "/App/Login", true)]
    [InlineData("POST", "/app/login/two-factor", true)]
    [InlineData("POST", "/app/reauthenticate", true)]
    [InlineData("GET", "/app/sso/ws1/start", true)]
    [InlineData("GET", "/app/sso/ws1/oidc/callback", true)]
    [InlineData("POST", "/app/sso/ws1/saml/acs", true)]
    [InlineData("GET", "/app/sso/ws1/saml/metadata", false)]
    [InlineData("GET", "/app/sso", false)]
    [InlineData("GET", "/app/login", false)]
    [InlineData("POST", "/app/logout", false)]
    [InlineData("POST", "/app/loginx", false)]
    [InlineData("POST", "/contacts", false)]
    public void SignIn_CoversEveryWayToGetASession(string method, string path, bool expected) =>
        Assert.Equal(expected, RequestKinds.IsSignIn(Request(method, path)));

    [Theory]
    [InlineData("POST", "/confide/api_tokens", true)]
    [InlineData("GET", "/confide/api_tokens", false)]
    [InlineData("DELETE", "/confide/api_tokens/t1", false)]
    public void TokenCreation_IsOnlyThePost(string method, string path, bool expected) =>
        Assert.Equal(expected, RequestKinds.IsTokenCreation(Request(method, path)));

    [Theory]
    [InlineData("POST", "/messenger/v1/boot", true)]
    [InlineData("POST", "/messenger/v1/conversations", true)]
    [InlineData("POST", "/messenger/v1/conversations/c1/reply", true)]
    [InlineData("GET", "/messenger/v1/conversations", false)]
    [InlineData("GET", "/messenger/v1/events", false)]
    [InlineData("GET", "/messenger/widget.js", false)]
    [InlineData("POST", "/conversations", false)]
    public void MessengerWrite_IsEveryPostToTheMessengerApi(string method, string path, bool expected) =>
        Assert.Equal(expected, RequestKinds.IsMessengerWrite(Request(method, path)));
}
