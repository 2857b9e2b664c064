using Confide.Data.Idempotency;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Data;

/// <summary>
/// The claim of an <c>Idempotency-Key</c> commits in the same unit as the request's first write
/// (<see cref="IdempotencyScope"/> in the cell writer): both or neither.
/// </summary>
public sealed class IdempotencyClaimTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Claim_CommitsWithTheFirstWrite_AndRollsBackWithIt(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cell = server.Cell(Region.Eu);
        var keyHash = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var scope = NewScope(workspace.Id, keyHash);

        using (IdempotencyScope.Enter(scope))
        {
            // The first unit fails after writing: its contact and the claim go, and the claim is open again.
            await Assert.ThrowsAsync<ConfideException>(() => cell.Writer.WriteAsync((db, _) =>
            {
                db.Contacts.Add(NewContact(workspace.Id, "rolled-back"));
                throw new ConfideException(ConfideError.ParameterInvalid("planned failure"));
            }));
            Assert.False(scope.IsClaimed);
            Assert.False(await ClaimExistsAsync(cell, keyHash));

            // The next unit claims with its write; a later unit of the same request does not claim again.
            await cell.Writer.WriteAsync((db, _) => { db.Contacts.Add(NewContact(workspace.Id, "committed")); return Task.CompletedTask; });
            Assert.True(scope.IsClaimed);
            await cell.Writer.WriteAsync((db, _) => { db.Contacts.Add(NewContact(workspace.Id, "second-unit")); return Task.CompletedTask; });
        }

        Assert.True(await ClaimExistsAsync(cell, keyHash));

        // Another request with the key: its unit fails before its work runs.
        var ran = false;
        using (IdempotencyScope.Enter(NewScope(workspace.Id, keyHash)))
        {
            await Assert.ThrowsAsync<IdempotencyKeyTakenException>(() => cell.Writer.WriteAsync((db, _) =>
            {
                ran = true;
                db.Contacts.Add(NewContact(workspace.Id, "duplicate"));
                return Task.CompletedTask;
            }));
        }

        Assert.False(ran);
        await using var read = cell.CreateReadContext();
        var written = await read.Contacts.Where(c => c.WorkspaceId == workspace.Id).Select(c => c.EmailLookup!).ToListAsync();
        Assert.Equal(["committed", "second-unit"], written.Order());
    }

    private static IdempotencyScope NewScope(string workspaceId, string keyHash)
    {
        var now = DateTimeOffset.UtcNow;
        return new IdempotencyScope(new IdempotencyKey { WorkspaceId = workspaceId, TokenId = "token", KeyHash = keyHash, RequestHash = keyHash, CreatedAt = now }, now.AddHours(-24));
    }

    private static Contact NewContact(string workspaceId, string marker) =>
        new() { Id = PublicIds.NewEntityId(TimeProvider.System), WorkspaceId = workspaceId, Role = "lead", EmailLookup = marker, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow };

    private static async Task<bool> ClaimExistsAsync(Confide.Data.CellDatabase cell, string keyHash)
    {
        await using var db = cell.CreateReadContext();
        return await db.IdempotencyKeys.AnyAsync(k => k.KeyHash == keyHash);
    }
}
