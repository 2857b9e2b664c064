using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Housekeeping;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>Consumed SAML assertions past their expiry, left behind by the last sign-ins, are deleted; unexpired ones stay (they stop replays).</summary>
public sealed class ExpiredSsoAssertionsHousekeepingTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExpiredAssertions_AreDeleted_UnexpiredOnesStay(string provider)
    {
        var server = await servers.GetAsync(provider);
        var cell = server.Cell(Region.Eu);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "SSO");
        var now = DateTimeOffset.UtcNow;
        var expired = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var fresh = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await cell.Writer.WriteAsync((db, _) =>
        {
            db.SsoConsumedAssertions.Add(new SsoConsumedAssertion { Id = expired, WorkspaceId = workspace.Id, ExpiresAt = now.AddMinutes(-1) });
            db.SsoConsumedAssertions.Add(new SsoConsumedAssertion { Id = fresh, WorkspaceId = workspace.Id, ExpiresAt = now.AddMinutes(10) });
            return Task.CompletedTask;
        }, CancellationToken.None);

        // The shared server's region: only what has expired by now goes, whoever's it is.
        Assert.True(await HousekeepingRuns.RunAsync(cell, HousekeepingRuns.Of<ExpiredSsoAssertionsHousekeeping>(server), now) >= 1);
        await using var db = cell.CreateReadContext();
        Assert.False(await db.SsoConsumedAssertions.AnyAsync(a => a.Id == expired));
        Assert.True(await db.SsoConsumedAssertions.AnyAsync(a => a.Id == fresh));
    }
}
