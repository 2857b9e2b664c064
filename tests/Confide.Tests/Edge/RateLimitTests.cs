using System.Net;
using Confide.Platform;
using Confide.Server.Hosting.RateLimiting;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Edge;

public sealed class RateLimitTests
{
    private static Task<TestServer> StartWithLimitsAsync(Dictionary<string, string?> limits) =>
        TestServer.StartAsync(Providers.Sqlite, configure: builder => builder.Configuration.AddInMemoryCollection(
            limits.ToDictionary(l => $"{RateLimitOptions.Section}:{l.Key}", l => l.Value)));

    /// <summary>
    /// The first 429 of a few bursts of concurrent requests. One request after another would
    /// depend on timing: on a loaded machine each can take longer than the bucket needs to refill.
    /// </summary>
    private static async Task<HttpResponseMessage> UntilThrottledAsync(HttpClient client)
    {
        for (var burst = 0; burst < 3; burst++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.GetAsync("me")));
            if (responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests) is { } throttled)
            {
                return throttled;
            }
        }

        throw new Xunit.Sdk.XunitException("Three bursts of 6 concurrent requests were never throttled.");
    }

    [Fact]
    public async Task TokenOverItsLimit_Gets429WithRetryAfterAndIntercomError_ThenRecovers()
    {
        await using var server = await StartWithLimitsAsync(new() { ["TokenPerSecond"] = "1", ["TokenBurst"] = "2" });
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("me")).StatusCode);
        var throttled = await UntilThrottledAsync(client);

        var json = await throttled.ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.False(string.IsNullOrEmpty(json.GetProperty("errors")[0].Str("message")));
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 2);

        await Task.Delay(retryAfter.Value + TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("me")).StatusCode);
    }

    [Fact]
    public async Task ThrottledToken_DoesNotThrottleAnotherToken()
    {
        await using var server = await StartWithLimitsAsync(new() { ["TokenPerSecond"] = "1", ["TokenBurst"] = "2" });
        using var a = (await server.CreateWorkspaceAsync(Region.Eu)).Client();
        using var b = (await server.CreateWorkspaceAsync(Region.Eu)).Client();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("me")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await UntilThrottledAsync(a)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("me")).StatusCode);
    }

    [Fact]
    public async Task ClientAddressOverItsLimit_Gets429EvenWithoutToken()
    {
        await using var server = await StartWithLimitsAsync(new() { ["IpPerSecond"] = "1", ["IpBurst"] = "2" });
        using var anonymous = server.ClientVia("127.0.0.1", Region.Eu);

        await anonymous.GetAsync("me");
        await anonymous.GetAsync("me");

        await (await UntilThrottledAsync(anonymous)).ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        using var other = server.ClientVia("[::1]", Region.Eu);
        await (await other.GetAsync("me")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task SignInAttempts_AreLimitedPerClientAddress()
    {
        await using var server = await StartWithLimitsAsync(new() { ["SignInPerWindow"] = "2", ["WindowSeconds"] = "60" });
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var v4 = server.ClientVia("127.0.0.1", Region.Eu, cookies: new CookieContainer());

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await v4.PostPasswordAsync(workspace.OwnerEmail, "wrong-password")).StatusCode);
        }

        // Even the right password: the address has used its attempts for this window.
        var throttled = await v4.PostPasswordAsync(workspace.OwnerEmail);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.StartsWith("text/plain", throttled.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        // Reading the sign-in page is not an attempt.
        Assert.Equal(HttpStatusCode.OK, (await v4.GetAsync("app/login")).StatusCode);

        using var v6 = server.ClientVia("[::1]", Region.Eu, cookies: new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await v6.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
    }

    [Fact]
    public async Task TokenCreation_HasItsOwnStricterLimit()
    {
        await using var server = await StartWithLimitsAsync(new() { ["TokenCreationPerWindow"] = "1" });
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("confide/api_tokens", new { name = "first" })).StatusCode);
        await (await client.PostJsonAsync("confide/api_tokens", new { name = "second" })).ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("me")).StatusCode);
    }

    [Fact]
    public async Task MessengerWrites_AreLimitedPerClientAddress_ReadsAreNot()
    {
        await using var server = await StartWithLimitsAsync(new() { ["MessengerWritesPerWindow"] = "2" });
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var visitor = new Messenger.MessengerVisitor(server, Region.Eu, workspace.Id);

        await visitor.BootOkAsync();
        await visitor.StartAsync("One");
        await (await visitor.PostAsync("conversations", new { body = "Two" })).ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        await (await visitor.BootAsync()).ErrorAsync(HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync("conversations")).StatusCode);
    }

    [Fact]
    public void Defaults_SignInAndTokenCreationAreStricterThanTheApi()
    {
        var defaults = new RateLimitOptions();

        Assert.Empty(defaults.Problems());
        Assert.True((double)defaults.SignInPerWindow / defaults.WindowSeconds < defaults.TokenPerSecond);
        Assert.True((double)defaults.TokenCreationPerWindow / defaults.WindowSeconds < defaults.TokenPerSecond);
        Assert.True(defaults.SignInPerWindow < defaults.IpBurst);
    }

    [Fact]
    public async Task InvalidLimit_StopsTheServerNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartWithLimitsAsync(new() { ["TokenPerSecond"] = "0" }));

        Assert.Contains("Confide:RateLimits:TokenPerSecond", error.Message, StringComparison.Ordinal);
    }
}
