using System.Net;
using System.Net.Http.Json;
using System.Text;
using Confide.Platform;
using Confide.Privacy.Retention.Rules;
using Confide.Tests.Crypto;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>
/// As <c>ErasureCanaryTests</c> for a data-subject erasure: after the visitor rule erased a visitor
/// in a batch, none of their canaries answers through the API, the web app or their own messenger,
/// nor is found in the data files or a pg_dump — while a visitor seen recently beside them reads in full.
/// </summary>
public sealed class RetentionCanaryTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AVisitorErasedByRetention_LeavesNoCanaryAnywhere_AndTheRecentVisitorIsIntact(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var subject = new CanaryMarkers();
        var bystander = new CanaryMarkers();
        using var subjectMessenger = new MessengerVisitor(server, Region.Eu, workspace.Id);
        using var bystanderMessenger = new MessengerVisitor(server, Region.Eu, workspace.Id);
        var (subjectConversation, subjectContact) = await SeedAsync(api, workspace, subject, subjectMessenger);
        var (bystanderConversation, bystanderContact) = await SeedAsync(api, workspace, bystander, bystanderMessenger);
        // Only the subject was last seen nine months and a day ago.
        await workspace.WriteAsync(db => db.Contacts.Where(c => c.Id == subjectContact).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSeenAt, DateTimeOffset.UtcNow.AddDays(-271))));

        var before = await ShownAsync(server, workspace, api, subjectContact, subjectConversation, bystanderContact, bystanderConversation);
        Assert.All(subject.All, m => Assert.Contains(m.Value, before, StringComparison.Ordinal));

        Assert.Equal(1, await server.Rule<VisitorRetentionRule>().RunAsync(workspace.Scope(DateTimeOffset.UtcNow, 270)));

        var seen = new StringBuilder(await ShownAsync(server, workspace, api, subjectContact, subjectConversation, bystanderContact, bystanderConversation));
        await subjectMessenger.BootOkAsync();
        seen.Append((await subjectMessenger.ListAsync()).ToString());
        seen.Append(await (await subjectMessenger.GetAsync($"conversations/{subjectConversation}")).Content.ReadAsStringAsync());
        AssertNoneFound(subject, Encoding.UTF8.GetBytes(seen.ToString()), "the API, the web app and the subject's messenger");
        Assert.All(bystander.All, m => Assert.Contains(m.Value, seen.ToString(), StringComparison.Ordinal));

        foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            AssertNoneFound(subject, await EncryptionAtRestTests.ReadSharedAsync(file), Path.GetFileName(file));
        }

        if (server.PostgresConnectionString is { } postgres)
        {
            AssertNoneFound(subject, Encoding.UTF8.GetBytes(await TestPostgres.DumpAsync(postgres)), "pg_dump");
        }
    }

    /// <summary>A visitor's conversation from the messenger, then a profile, a reply, an internal note and a contact note, each with a canary.</summary>
    private static async Task<(string Conversation, string Contact)> SeedAsync(HttpClient api, TestWorkspace workspace, CanaryMarkers markers, MessengerVisitor visitor)
    {
        await visitor.BootOkAsync();
        var conversation = await visitor.StartAsync(markers["messenger_message"]);
        var contact = await VisitorRuleTests.ContactOfAsync(workspace, conversation);
        await (await api.PutAsJsonAsync($"contacts/{contact}", new { name = markers["name"], custom_attributes = new { plan = markers["custom_attribute"] } })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = markers["reply"] })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "note", body = markers["internal_note"] })).JsonAsync();
        await (await api.PostJsonAsync($"contacts/{contact}/notes", new { body = markers["contact_note"], admin_id = workspace.OwnerId })).JsonAsync();
        return (conversation, contact);
    }

    private static async Task<string> ShownAsync(TestServer server, TestWorkspace workspace, HttpClient api, params string[] ids)
    {
        var shown = new StringBuilder();
        shown.Append(await (await api.GetAsync("contacts?per_page=150")).Content.ReadAsStringAsync());
        shown.Append(await (await api.GetAsync("conversations?per_page=150")).Content.ReadAsStringAsync());
        foreach (var id in ids)
        {
            foreach (var path in (string[])[$"contacts/{id}", $"conversations/{id}", $"contacts/{id}/notes"])
            {
                shown.Append(await (await api.GetAsync(path)).Content.ReadAsStringAsync());
            }
        }

        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        shown.Append(await browser.HtmlAsync("app/inbox?state=all"));
        foreach (var id in ids)
        {
            shown.Append(await (await browser.GetAsync($"app/inbox/{id}")).Content.ReadAsStringAsync());
        }

        return shown.ToString();
    }

    private static void AssertNoneFound(CanaryMarkers markers, byte[] bytes, string where)
    {
        var found = (
            from marker in markers.All
            from encoding in CanaryMarkers.Encodings(marker.Value)
            where bytes.AsSpan().IndexOf(encoding.Bytes) >= 0
            select $"{marker.Key} as {encoding.Name}").ToList();
        Assert.True(found.Count == 0, $"The erased visitor found in {where}: {string.Join("; ", found)}");
    }
}
