using System.Net;
using Confide.Audit;
using Confide.Platform;
using Confide.Privacy.Retention.Housekeeping;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>
/// An invitation that expired more than a week ago goes with its teammate, who never joined; a
/// joined teammate and a pending invitation stay; the workspace's log says so. A server of its
/// own: the clean-up is region-wide.
/// </summary>
public sealed class ExpiredInvitationsHousekeepingTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnInvitationExpiredAWeekAgo_GoesWithItsTeammate_TheRestStays(string provider)
    {
        _ = await servers.GetAsync(provider); // skips, visibly, when the provider is not available
        await using var server = await TestServer.StartAsync(provider);
        var cell = server.Cell(Region.Eu);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Invitations");
        using var api = workspace.Client();
        var pendingId = (await (await api.PostJsonAsync("confide/teammates", new { email = $"never-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync("confide/teams", new { name = "Support", admin_ids = new[] { pendingId } })).JsonAsync();
        var joinedId = (await (await api.PostJsonAsync("confide/teammates", new { email = $"joined-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync()).Str("id");
        await workspace.EnsureJoinedAsync(joinedId);
        DateTimeOffset expires;
        await using (var db = cell.CreateReadContext())
        {
            expires = await db.TeammateInvitations.Where(i => i.TeammateId == pendingId).Select(i => i.ExpiresAt).SingleAsync();
        }

        var housekeeping = HousekeepingRuns.Of<ExpiredInvitationsHousekeeping>(server);
        Assert.Equal(0, await HousekeepingRuns.RunAsync(cell, housekeeping, DateTimeOffset.UtcNow));
        Assert.Equal(0, await HousekeepingRuns.RunAsync(cell, housekeeping, expires.AddDays(ExpiredInvitationsHousekeeping.KeepDays).AddMinutes(-1)));
        Assert.Equal(1, await HousekeepingRuns.RunAsync(cell, housekeeping, expires.AddDays(ExpiredInvitationsHousekeeping.KeepDays).AddMinutes(1)));

        await using (var db = cell.CreateReadContext())
        {
            Assert.False(await db.Teammates.AnyAsync(t => t.Id == pendingId));
            Assert.False(await db.TeammateInvitations.AnyAsync(i => i.TeammateId == pendingId));
            Assert.False(await db.TeamMembers.AnyAsync(m => m.TeammateId == pendingId));
            Assert.True(await db.Teammates.AnyAsync(t => t.Id == joinedId && t.AccountId != null));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"admins/{pendingId}")).StatusCode);
        var entry = (await Audit.ActivityLogTests.AllEntriesAsync(api)).Single(e =>
            e.Str("activity_type") == ActivityTypes.AdminDeletion && e.GetProperty("metadata").Str("reason") == ExpiredInvitationsHousekeeping.Reason);
        Assert.Equal("agent", entry.GetProperty("metadata").Str("role"));
        // The address can be invited again.
        Assert.True((await api.PostJsonAsync("confide/teammates", new { email = $"again-{Guid.NewGuid():N}@example.com", role = "agent" })).IsSuccessStatusCode);
    }
}
