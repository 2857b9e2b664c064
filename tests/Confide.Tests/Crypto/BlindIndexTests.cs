using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Crypto;

public sealed class BlindIndexTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task LookupKeys_AreKeyedPerWorkspace_AndNeverThePlainValue(string provider)
    {
        var server = await servers.GetAsync(provider);
        var first = await server.CreateWorkspaceAsync(Region.Eu);
        var second = await server.CreateWorkspaceAsync(Region.Eu);
        using var firstClient = first.Client();
        using var secondClient = second.Client();
        var a = (await (await firstClient.PostJsonAsync("contacts", new { email = "Same@Example.com", external_id = "same" })).JsonAsync()).Str("id");
        var b = (await (await secondClient.PostJsonAsync("contacts", new { email = "same@example.com", external_id = "same" })).JsonAsync()).Str("id");

        await using var db = server.Cell(Region.Eu).CreateReadContext();
        var rows = await db.Contacts.Where(c => c.Id == a || c.Id == b).ToDictionaryAsync(c => c.Id);
        foreach (var row in rows.Values)
        {
            Assert.StartsWith("h1:", row.EmailLookup, StringComparison.Ordinal);
            Assert.DoesNotContain("example", row.EmailLookup!, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual(row.EmailLookup, row.ExternalIdLookup);
        }

        Assert.NotEqual(rows[a].EmailLookup, rows[b].EmailLookup);
        Assert.NotEqual(rows[a].ExternalIdLookup, rows[b].ExternalIdLookup);

        // Lookups still find each workspace's own contact, case-insensitively by email.
        var found = await (await firstClient.PostJsonAsync("contacts/search", new { query = new { field = "email", @operator = "=", value = "SAME@example.COM" } })).JsonAsync();
        Assert.Equal(a, found.GetProperty("data")[0].Str("id"));
        Assert.Equal(b, (await (await secondClient.GetAsync("contacts/find_by_external_id/same")).JsonAsync()).Str("id"));
    }
}
