using System.Net;
using Confide.Data;
using Confide.Data.Security;
using Confide.Identity;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Authorization;

/// <summary>
/// Validated API tokens are cached under the region's security epoch: a repeated request skips
/// the query, and every kind of write that can change access moves the epoch — through the
/// writer, a tracked save or a bulk update — while reads, usage bookkeeping and rolled-back
/// changes do not. (Revocation, role change and removal on the next request are also covered
/// by <see cref="TokensAndTeammatesTests"/>, which warm the cache before each change.)
/// </summary>
public sealed class TokenCacheTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ARepeatedRequest_IsAnsweredFromTheCache_UntilASecurityChange(string provider)
    {
        TestPostgres.RequireFor(provider);
        await using var server = await TestServer.StartAsync(provider);
        var cell = server.Cell(Region.Eu);
        var cache = server.Services.GetRequiredService<ApiTokenCache>();
        await Poll.UntilAsync(() => cache.MayCache(cell), TimeSpan.FromSeconds(30), "the cell's other processes to be heard");
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var owner = workspace.Client();

        var integration = await (await owner.PostJsonAsync("confide/api_tokens", new { name = "cached" })).JsonAsync();
        using var client = server.Client(Region.Eu, integration.Str("access_token"));
        await (await client.GetAsync("tags")).JsonAsync();
        var hits = cache.Hits;
        await (await client.GetAsync("tags")).JsonAsync();
        await (await client.GetAsync("tags")).JsonAsync();
        Assert.True(cache.Hits >= hits + 2, $"expected the repeated requests to be answered from the cache ({cache.Hits - hits} hits)");

        // Revoked: the cached entry is dropped with the commit, the very next request is refused.
        await (await owner.DeleteAsync($"confide/api_tokens/{integration.GetProperty("token").Str("id")}")).JsonAsync();
        await (await client.GetAsync("tags")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // A change made around the API (a bulk update on the database) counts the same.
        var other = await (await owner.PostJsonAsync("confide/api_tokens", new { name = "bulk-revoked" })).JsonAsync();
        using var otherClient = server.Client(Region.Eu, other.Str("access_token"));
        await (await otherClient.GetAsync("tags")).JsonAsync();
        await (await otherClient.GetAsync("tags")).JsonAsync();
        await using (var db = cell.CreateTrackingContext())
        {
            var id = other.GetProperty("token").Str("id");
            await db.ApiTokens.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, DateTimeOffset.UtcNow));
        }

        await (await otherClient.GetAsync("tags")).ErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TheEpoch_MovesForEveryCommittedAccessWrite_AndNotForReadsUsageOrRollbacks(string provider)
    {
        TestPostgres.RequireFor(provider);
        await using var server = await TestServer.StartAsync(provider);
        var cell = server.Cell(Region.Eu);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the workspace's own notices (PostgreSQL) arrive first
        var epoch = cell.SecurityEpoch.Current;

        // Reads, usage bookkeeping and a rolled-back change leave it.
        await using (var db = cell.CreateReadContext())
        {
            await db.ApiTokens.CountAsync();
            await db.Teammates.Where(t => t.WorkspaceId == workspace.Id).ToListAsync();
        }

        await cell.Writer.WriteAsync(async (db, ct) =>
            await db.ApiTokens.Where(t => t.WorkspaceId == workspace.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, DateTimeOffset.UtcNow), ct));
        await using (var db = cell.CreateTrackingContext())
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                await db.Workspaces.Where(w => w.Id == workspace.Id).ExecuteUpdateAsync(s => s.SetProperty(w => w.Name, "rolled back"));
                await transaction.RollbackAsync();
            });
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(epoch, cell.SecurityEpoch.Current);

        // A write batch of the writer: moved once it returns.
        await cell.Writer.WriteAsync(async (db, ct) =>
            await db.Teammates.Where(t => t.WorkspaceId == workspace.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.AwayMode, false), ct));
        var afterWriter = cell.SecurityEpoch.Current;
        Assert.True(afterWriter > epoch, "a writer batch that touched Teammates must move the epoch");

        // A tracked save (as ASP.NET Core Identity makes), in EF Core's own transaction.
        await using (var db = cell.CreateTrackingContext())
        {
            var row = await db.Workspaces.SingleAsync(w => w.Id == workspace.Id);
            row.Name = "Renamed";
            await db.SaveChangesAsync();
        }

        Assert.True(cell.SecurityEpoch.Current > afterWriter, "a tracked save to Workspaces must move the epoch");
    }

    [Theory]
    [InlineData("SELECT \"t\".\"Id\" FROM \"ApiTokens\" AS \"t\"", false)]
    [InlineData("UPDATE \"ApiTokens\" AS \"a\"\nSET \"LastUsedAt\" = @p\nWHERE \"a\".\"Id\" = @id", false)]
    [InlineData("UPDATE \"ApiTokens\" AS a\nSET \"LastUsedAt\" = @p\nWHERE a.\"Id\" = @id", false)]
    [InlineData("UPDATE \"ApiTokens\" AS \"a\"\nSET \"LastUsedAt\" = @p,\n    \"RevokedAt\" = @p0\nWHERE \"a\".\"Id\" = @id", true)]
    [InlineData("-- some tag\n\nUPDATE \"ApiTokens\" AS \"a\" SET \"RevokedAt\" = @p WHERE \"a\".\"Id\" = @id", true)]
    [InlineData("UPDATE \"ApiTokens\" SET \"LastUsedAt\" = @p0, \"ExpiresAt\" = @p1 WHERE \"Id\" = @p2", true)]
    [InlineData("UPDATE \"ApiTokens\" SET \"LastUsedAt\" = @p0\nWHERE \"Id\" = @p1;\nUPDATE \"ApiTokens\" SET \"RevokedAt\" = @p2\nWHERE \"Id\" = @p3;", true)]
    [InlineData("-- some other tag\nSELECT 1 FROM \"Teammates\"", false)]
    [InlineData("UPDATE \"TeammateSessions\" SET \"LastSeenAt\" = @p", false)]
    [InlineData("INSERT INTO \"WorkspaceKeys\" (\"Id\") VALUES (@p)", false)]
    [InlineData("DELETE FROM \"Teammates\" WHERE \"Id\" = @p", true)]
    [InlineData("INSERT INTO \"AspNetUserPasskeys\" (\"CredentialId\") VALUES (@p) RETURNING 1", true)]
    [InlineData("UPDATE \"WorkspaceRoles\" SET \"Permissions\" = @p", true)]
    [InlineData("UPDATE \"AspNetUsers\" SET \"TwoFactorEnabled\" = @p", true)]
    [InlineData("UPDATE \"Workspaces\" SET \"IpAllowlist\" = @p", true)]
    public void WhichCommandsMayChangeAccess(string sql, bool expected) =>
        Assert.Equal(expected, SecurityWrites.MayChangeAccess(sql));
}
