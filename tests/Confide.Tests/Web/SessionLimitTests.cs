using System.Net;
using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Web;

/// <summary>Teammate sessions end after 30 idle minutes and 12 hours after sign-in however active (the defaults).</summary>
public sealed class SessionLimitTests
{
    [Fact]
    public async Task Sessions_EndWhenIdle_AndAtTheirAbsoluteLifetime()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());

        await SignInAsync(browser, workspace.OwnerEmail);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("app/inbox")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("app/inbox")).StatusCode);

        // Active every 20 minutes: the session slides, until 12 hours after signing in.
        await SignInAsync(browser, workspace.OwnerEmail);
        var active = TimeSpan.Zero;
        HttpStatusCode status;
        do
        {
            clock.Advance(TimeSpan.FromMinutes(20));
            active += TimeSpan.FromMinutes(20);
            status = (await browser.GetAsync("app/inbox")).StatusCode;
        }
        while (status == HttpStatusCode.OK && active < TimeSpan.FromHours(13));

        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.InRange(active, TimeSpan.FromHours(12), TimeSpan.FromHours(12.5));
    }

    private static async Task SignInAsync(HttpClient browser, string email) =>
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(email)).StatusCode);
}

/// <summary>A workspace may shorten the server's session limits for its own pages.</summary>
public sealed class WorkspaceSessionLimitTests
{
    [Fact]
    public async Task AWorkspacesShorterLimits_EndSessionsOnItsPages()
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        // Only shorter than the server's (30 minutes, 12 hours); 0 goes back to the server's.
        await (await api.PutAsJsonAsync("confide/security_settings", new { session_idle_minutes = 31 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PutAsJsonAsync("confide/security_settings", new { session_idle_minutes = 4 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PutAsJsonAsync("confide/security_settings", new { session_absolute_hours = 13 })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var set = await (await api.PutAsJsonAsync("confide/security_settings", new { session_idle_minutes = 10, session_absolute_hours = 1 })).JsonAsync();
        Assert.Equal(10, set.GetProperty("session_idle_minutes").GetInt32());
        Assert.Equal(1, set.GetProperty("session_absolute_hours").GetInt32());

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("app/inbox")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(11));
        var idle = await browser.GetAsync("app/inbox");
        Assert.Equal(HttpStatusCode.Redirect, idle.StatusCode);
        Assert.StartsWith("/app/login", idle.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("app/inbox")).StatusCode);

        // Active every 9 minutes: fine until an hour after signing in.
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var active = TimeSpan.Zero;
        HttpStatusCode status;
        do
        {
            clock.Advance(TimeSpan.FromMinutes(9));
            active += TimeSpan.FromMinutes(9);
            status = (await browser.GetAsync("app/inbox")).StatusCode;
        }
        while (status == HttpStatusCode.OK && active < TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.InRange(active, TimeSpan.FromHours(1), TimeSpan.FromMinutes(69));

        // Back to the server's limits: 11 idle minutes are fine again.
        var reset = await (await api.PutAsJsonAsync("confide/security_settings", new { session_idle_minutes = 0, session_absolute_hours = 0 })).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reset.GetProperty("session_idle_minutes").ValueKind);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("app/inbox")).StatusCode);
    }
}
