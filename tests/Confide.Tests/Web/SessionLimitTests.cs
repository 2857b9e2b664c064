using System.Net;
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
