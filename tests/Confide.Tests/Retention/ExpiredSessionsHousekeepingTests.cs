using System.Net;
using Confide.Platform;
using Confide.Privacy.Retention.Housekeeping;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>
/// Session rows that can no longer be used are deleted: ended ones at once, idle ones an hour
/// after the idle timeout, and any past the absolute lifetime; a live session stays and keeps
/// working. A server of its own: the clean-up is region-wide.
/// </summary>
public sealed class ExpiredSessionsHousekeepingTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EndedIdleAndOutlivedSessions_AreDeleted_LiveOnesStay(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        await using var server = await TestServer.StartAsync(provider, settings: ["--Confide:Sessions:IdleMinutes=30", "--Confide:Sessions:AbsoluteHours=12"]);
        var cell = server.Cell(Region.Eu);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Sessions");
        var housekeeping = HousekeepingRuns.Of<ExpiredSessionsHousekeeping>(server);

        using var live = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await live.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        using var left = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await left.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        await left.SignOutAsync(await left.HtmlAsync($"app/inbox?workspace={workspace.Id}"));
        Assert.Equal(2, await CountAsync(cell));

        // Signed out: gone at the next run; the live session is untouched and still works.
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(1, await HousekeepingRuns.RunAsync(cell, housekeeping, now));
        Assert.Equal(1, await CountAsync(cell));
        Assert.Equal(HttpStatusCode.OK, (await live.GetAsync($"app/inbox?workspace={workspace.Id}")).StatusCode);

        // Idle: kept until an hour past the idle timeout.
        DateTimeOffset lastSeen;
        await using (var db = cell.CreateReadContext())
        {
            lastSeen = await db.TeammateSessions.Select(s => s.LastSeenAt).SingleAsync();
        }

        Assert.Equal(0, await HousekeepingRuns.RunAsync(cell, housekeeping, lastSeen.AddMinutes(30 + 60 - 1)));
        Assert.Equal(1, await HousekeepingRuns.RunAsync(cell, housekeeping, lastSeen.AddMinutes(30 + 60 + 1)));
        Assert.Equal(0, await CountAsync(cell));

        // Past the absolute lifetime, however recently used.
        using var busy = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await busy.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        DateTimeOffset created;
        await using (var db = cell.CreateReadContext())
        {
            created = await db.TeammateSessions.Select(s => s.CreatedAt).SingleAsync();
        }

        await cell.Writer.WriteAsync(async (db, ct) =>
            await db.TeammateSessions.ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, created.AddHours(12)), ct), CancellationToken.None);
        Assert.Equal(0, await HousekeepingRuns.RunAsync(cell, housekeeping, created.AddHours(12).AddMinutes(-1)));
        Assert.Equal(1, await HousekeepingRuns.RunAsync(cell, housekeeping, created.AddHours(12).AddMinutes(1)));
        Assert.Equal(0, await CountAsync(cell));
    }

    private static async Task<int> CountAsync(Confide.Data.CellDatabase cell)
    {
        await using var db = cell.CreateReadContext();
        return await db.TeammateSessions.CountAsync();
    }
}
