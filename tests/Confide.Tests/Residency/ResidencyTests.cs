using System.Net;
using System.Text;
using Confide.Data;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Residency;

public sealed class ResidencyTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EuWorkspaceData_ExistsOnlyInTheEuDatabase(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var marker = $"residency-{Guid.NewGuid():N}";
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = $"{marker}@example.com", name = marker })).JsonAsync()).Str("id");
        await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = marker })).JsonAsync();

        await using (var eu = server.Cell(Region.Eu).CreateReadContext())
        {
            Assert.True(await eu.Workspaces.AnyAsync(w => w.Id == workspace.Id));
            Assert.True(await eu.Contacts.AnyAsync(c => c.Id == contactId));
        }

        foreach (var other in new[] { Region.Us, Region.Au })
        {
            await using var db = server.Cell(other).CreateReadContext();
            Assert.False(await db.Workspaces.AnyAsync(w => w.Id == workspace.Id));
            Assert.False(await db.Contacts.AnyAsync(c => c.Id == contactId));
            Assert.Equal(0, await db.ConversationParts.CountAsync(p => p.WorkspaceId == workspace.Id));
            foreach (var file in SqliteFiles(server, other))
            {
                var bytes = await ReadSharedAsync(file);
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(marker)), $"marker found in {Path.GetFileName(file)} of {other}");
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(workspace.Id)), $"workspace id found in {Path.GetFileName(file)} of {other}");
            }
        }
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WrongRegionalEndpoint_Gives421NamingTheRightOneAndNoData(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var euClient = workspace.Client();
        var marker = $"wrong-endpoint-{Guid.NewGuid():N}";
        var contactId = (await (await euClient.PostJsonAsync("contacts", new { name = marker, role = "lead" })).JsonAsync()).Str("id");

        foreach (var wrong in new[] { Region.Us, Region.Au })
        {
            using var client = server.Client(wrong, workspace.Token);
            foreach (var request in new[] { client.GetAsync("me"), client.GetAsync($"contacts/{contactId}"), client.GetAsync("contacts"), client.PostJsonAsync("contacts", new { name = "x", role = "lead" }) })
            {
                var response = await request;
                var json = await response.ErrorAsync(HttpStatusCode.MisdirectedRequest, "region_mismatch");
                Assert.Contains(server.BaseUrl(Region.Eu).ToString().TrimEnd('/'), json.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
                Assert.Equal("eu", response.Headers.GetValues("Confide-Region").Single());
                Assert.DoesNotContain(marker, json.ToString(), StringComparison.Ordinal);
            }

            using var anonymous = server.Client(wrong);
            await (await anonymous.GetAsync($"contacts?workspace_id={workspace.Id}")).ErrorAsync(HttpStatusCode.MisdirectedRequest, "region_mismatch");
        }

        // Nothing was written by the refused POSTs.
        Assert.Equal(1, (await (await euClient.GetAsync("contacts")).JsonAsync()).GetProperty("total_count").GetInt32());
    }

    [Fact]
    public void WorkspaceIds_CarryTheirRegion()
    {
        foreach (var region in Region.All)
        {
            var id = PublicIds.NewWorkspaceId(region);
            Assert.True(PublicIds.TryGetWorkspaceRegion(id, out var parsed));
            Assert.Equal(region, parsed);
        }

        Assert.False(PublicIds.TryGetWorkspaceRegion("xx_abcdefghijkl", out _));
        Assert.False(PublicIds.TryGetWorkspaceRegion("eu_ABCDEFGHIJKL", out _));
        Assert.False(PublicIds.TryGetWorkspaceRegion(null, out _));
    }

    [Fact]
    public async Task CurrentCell_RefusesQueriesBeforeResolutionAndASecondRegion()
    {
        var cell = new CurrentCell();
        Assert.Throws<InvalidOperationException>(() => cell.Database);
        await using var us = CellDatabase.ForSqliteFile(Region.Us, Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.db"), TimeProvider.System);
        await using var eu = CellDatabase.ForSqliteFile(Region.Eu, Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.db"), TimeProvider.System);
        cell.Resolve(us);
        Assert.Throws<InvalidOperationException>(() => cell.Resolve(eu));
        Assert.Equal(Region.Us, cell.Region);
    }

    private static IEnumerable<string> SqliteFiles(TestServer server, Region region)
    {
        var directory = Path.Combine(server.DataDirectory, "regions", region.Code);
        return Directory.EnumerateFiles(directory, "confide.db*");
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
