using System.Net;
using System.Net.Http.Json;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Authorization;

/// <summary>
/// A workspace's IP allowlist admits its tokens and teammates only from listed addresses. The
/// two loopback addresses stand in for two networks: 127.0.0.1 is listed, [::1] is not.
/// </summary>
public sealed class IpAllowlistTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task OnlyListedAddresses_ReachTheWorkspace(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var inside = server.ClientVia("127.0.0.1", Region.Eu, workspace.Token);
        using var outside = server.ClientVia("[::1]", Region.Eu, workspace.Token);
        await (await outside.GetAsync("contacts")).JsonAsync();

        await (await inside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = new[] { "not-an-address" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await inside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = new[] { "10.0.0.0/8" } })).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var set = await (await inside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = new[] { "127.0.0.0/8", "192.0.2.7" } })).JsonAsync();
        Assert.Equal(["127.0.0.0/8", "192.0.2.7/32"], set.GetProperty("ip_allowlist").EnumerateArray().Select(r => r.GetString()));

        // The same token: served from a listed address, refused from another.
        await (await inside.GetAsync("contacts")).JsonAsync();
        await (await outside.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");
        await (await outside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = Array.Empty<string>() })).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");

        // The web app likewise.
        using var insideBrowser = server.ClientVia("127.0.0.1", Region.Eu, cookies: new CookieContainer());
        using var outsideBrowser = server.ClientVia("[::1]", Region.Eu, cookies: new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await insideBrowser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await insideBrowser.GetAsync("app/inbox")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await outsideBrowser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsideBrowser.GetAsync("app/inbox")).StatusCode);

        // An empty list admits everyone again; both changes are logged with before and after.
        await (await inside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = Array.Empty<string>() })).JsonAsync();
        await (await outside.GetAsync("contacts")).JsonAsync();
        var changes = (await ActivityLogTests.AllEntriesAsync(inside)).Where(e => e.Str("activity_type") == "security_settings_change").ToList();
        Assert.Equal(2, changes.Count);
        Assert.Equal(2, changes[0].GetProperty("metadata").GetProperty("after").GetProperty("ip_allowlist").GetArrayLength());
        Assert.Equal(0, changes[1].GetProperty("metadata").GetProperty("after").GetProperty("ip_allowlist").GetArrayLength());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Me_IsRefusedFromOutsideTheAllowlist_AsContactsIs(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var inside = server.ClientVia("127.0.0.1", Region.Eu, workspace.Token);
        using var outside = server.ClientVia("[::1]", Region.Eu, workspace.Token);
        await (await inside.PutAsJsonAsync("confide/security_settings", new { ip_allowlist = new[] { "127.0.0.0/8" } })).JsonAsync();

        Assert.Equal(workspace.OwnerId, (await (await inside.GetAsync("me")).JsonAsync()).Str("id"));
        var contacts = await (await outside.GetAsync("contacts")).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");
        var me = await (await outside.GetAsync("me")).ErrorAsync(HttpStatusCode.Forbidden, "ip_not_allowed");
        Assert.Equal(contacts.GetProperty("errors").ToString(), me.GetProperty("errors").ToString());
    }
}
