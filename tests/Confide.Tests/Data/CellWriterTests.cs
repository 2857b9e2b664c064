using System.Buffers.Binary;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Data;

public sealed class CellWriterTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task FailingUnit_IsRolledBackAlone_WhileItsBatchCommits(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cell = server.Cell(Region.Eu);
        var time = TimeProvider.System;

        // Enough concurrent units that many share a transaction; every third one fails after writing.
        var units = Enumerable.Range(0, 60).Select(i => cell.Writer.WriteAsync(async (db, ct) =>
        {
            db.Contacts.Add(new Contact { Id = PublicIds.NewEntityId(time), WorkspaceId = workspace.Id, Role = "lead", EmailLookup = $"unit-{i}", CreatedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() });
            await db.SaveChangesAsync(ct);
            if (i % 3 == 0)
            {
                throw new ConfideException(ConfideError.ParameterInvalid("planned failure"));
            }

            return i;
        })).ToList();

        foreach (var (unit, i) in units.Select((u, i) => (u, i)))
        {
            if (i % 3 == 0)
            {
                await Assert.ThrowsAsync<ConfideException>(() => unit);
            }
            else
            {
                Assert.Equal(i, await unit);
            }
        }

        await using var read = cell.CreateReadContext();
        var names = await read.Contacts.Where(c => c.WorkspaceId == workspace.Id).Select(c => c.EmailLookup!).ToListAsync();
        Assert.Equal(
            Enumerable.Range(0, 60).Where(i => i % 3 != 0).Select(i => $"unit-{i}").Order(),
            names.Order());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task OwnerPassword_IsStoredAsPbkdf2Sha512WithOwaspIterations(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var stored = await db.Users.Where(u => u.Email == workspace.OwnerEmail).Select(u => u.PasswordHash!).SingleAsync();
        var hash = Convert.FromBase64String(stored);

        // Identity v3 format: 0x01 | PRF (2 = HMAC-SHA512) | iteration count | salt length | salt | subkey.
        Assert.Equal(0x01, hash[0]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)));
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5)) >= 210_000);
        Assert.DoesNotContain("correct-horse", stored, StringComparison.Ordinal);
    }
}
