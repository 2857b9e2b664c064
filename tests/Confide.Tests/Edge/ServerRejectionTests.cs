using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Edge;

/// <summary>
/// Requests the server refuses before any endpoint runs, sent as raw bytes over TLS: over-long
/// request lines (414), header blocks (431) and bodies (413) get the Intercom error body; what
/// Kestrel refuses while parsing, beyond its own limits or unparsable, is a bodiless answer.
/// </summary>
public sealed class ServerRejectionTests(Servers servers)
{
    [Fact]
    public async Task AnOverLongRequestLine_Is414_WithTheIntercomBody()
    {
        var (server, port, token) = await ServerAsync();
        var answer = await RawHttps.SendAsync(port, server.CaCertificate, Request("GET", "/contacts?q=" + new string('a', 9 * 1024), token));

        AssertIntercomError(answer, 414, "uri_too_long");
    }

    [Fact]
    public async Task OverLargeHeaders_Are431_WithTheIntercomBody()
    {
        var (server, port, token) = await ServerAsync();
        var headers = string.Concat(Enumerable.Range(0, 5).Select(i => $"X-Padding-{i}: {new string('h', 7 * 1024)}\r\n"));
        var answer = await RawHttps.SendAsync(port, server.CaCertificate, Request("GET", "/contacts", token, headers));

        AssertIntercomError(answer, 431, "request_headers_too_large");
    }

    [Fact]
    public async Task ADeclaredBodyOverTheLimit_Is413_WithTheIntercomBody()
    {
        var (server, port, token) = await ServerAsync();
        var answer = await RawHttps.SendAsync(port, server.CaCertificate,
            Request("POST", "/contacts", token, "Content-Type: application/json\r\nContent-Length: 2000000\r\n") + "{\"email\":");

        AssertIntercomError(answer, 413, "request_too_large");
    }

    [Fact]
    public async Task WhatKestrelRefusesWhileParsing_IsItsOwnBodilessAnswer()
    {
        var (server, port, token) = await ServerAsync();

        // Documented in docs/api.md: these never reach the application, so they carry no body.
        var malformed = await RawHttps.SendAsync(port, server.CaCertificate, "GARBAGE\r\n\r\n");
        Assert.Equal(400, malformed.Status);
        var beyondKestrel = await RawHttps.SendAsync(port, server.CaCertificate, Request("GET", "/contacts?q=" + new string('a', 17 * 1024), token));
        Assert.Equal(414, beyondKestrel.Status);
        Assert.Equal("", beyondKestrel.Body);
    }

    private static void AssertIntercomError(RawHttps.Answer answer, int status, string code)
    {
        Assert.True(answer.Status == status, $"{answer.Status}: {answer.Body}");
        using var body = JsonDocument.Parse(answer.Body);
        Assert.Equal("error.list", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(code, body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("request_id").GetString()));
    }

    private static string Request(string method, string target, string token, string extraHeaders = "") =>
        $"{method} {target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n{extraHeaders}\r\n";

    private async Task<(TestServer Server, int Port, string Token)> ServerAsync()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        return (server, server.Ports[Region.Eu], workspace.Token);
    }
}
