using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention.Housekeeping;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>Idempotency keys claimed more than 24 hours ago are deleted; younger ones stay (they still stop a retry from writing twice).</summary>
public sealed class ExpiredIdempotencyKeysHousekeepingTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ExpiredKeys_AreDeleted_YoungerOnesStay(string provider)
    {
        var server = await servers.GetAsync(provider);
        var cell = server.Cell(Region.Eu);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Idempotency");
        var now = DateTimeOffset.UtcNow;
        var (expired, young) = (NewHash(), NewHash());
        await cell.Writer.WriteAsync((db, _) =>
        {
            db.IdempotencyKeys.Add(new IdempotencyKey { WorkspaceId = workspace.Id, TokenId = "t", KeyHash = expired, RequestHash = NewHash(), CreatedAt = now.AddHours(-25), StatusCode = 200 });
            db.IdempotencyKeys.Add(new IdempotencyKey { WorkspaceId = workspace.Id, TokenId = "t", KeyHash = young, RequestHash = NewHash(), CreatedAt = now.AddHours(-23) });
            return Task.CompletedTask;
        }, CancellationToken.None);

        // The shared server's region: only what has expired by now goes, whoever's it is.
        Assert.True(await HousekeepingRuns.RunAsync(cell, HousekeepingRuns.Of<ExpiredIdempotencyKeysHousekeeping>(server), now) >= 1);
        await using var read = cell.CreateReadContext();
        Assert.False(await read.IdempotencyKeys.AnyAsync(k => k.KeyHash == expired));
        Assert.True(await read.IdempotencyKeys.AnyAsync(k => k.KeyHash == young));
    }

    private static string NewHash() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
}
