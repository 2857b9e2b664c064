using System.Net;
using System.Text;
using System.Text.Json;
using Confide.Audit;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.LegalHolds;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Retention;

/// <summary>
/// <c>/confide/legal_holds</c> (docs/legal-holds.md): set on a contact, a conversation or the
/// workspace, listed and read back with the reason opened, released (the row stays); each change
/// an activity entry that never carries the reason; bad input 400, unknown or erased targets 404,
/// callers without <c>retention.manage</c> 403.
/// </summary>
public sealed class LegalHoldApiTests(Servers servers)
{
    internal const string Route = "confide/legal_holds";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Set_List_Get_Release_KeepsTheRow_LogsEachChange_AndSealsTheReason(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = await ContactAsync(api);
        var conversation = await ConversationAsync(api, contact);
        var reason = $"Matter {Guid.NewGuid():N} v. Somebody";
        var until = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds();

        var onContact = await (await api.PostJsonAsync(Route, new { target_type = "contact", target_id = contact, reason, until })).JsonAsync();
        Assert.Equal(("legal_hold", "contact", contact, reason), (onContact.Str("type"), onContact.Str("target_type"), onContact.Str("target_id"), onContact.Str("reason")));
        Assert.Equal(until, onContact.GetProperty("until").GetInt64());
        Assert.True(onContact.GetProperty("active").GetBoolean());
        Assert.Equal(("admin", workspace.OwnerId), (onContact.GetProperty("set_by").Str("type"), onContact.GetProperty("set_by").Str("id")));
        Assert.Equal(JsonValueKind.Null, onContact.GetProperty("released_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, onContact.GetProperty("released_by").ValueKind);
        var onConversation = await (await api.PostJsonAsync(Route, new { target_type = "conversation", target_id = conversation, reason = "Second matter" })).JsonAsync();
        Assert.Equal(JsonValueKind.Null, onConversation.GetProperty("until").ValueKind);
        var onWorkspace = await (await api.PostJsonAsync(Route, new { target_type = "workspace", target_id = workspace.Id, reason = "Regulator's inquiry" })).JsonAsync();

        var read = await (await api.GetAsync($"{Route}/{onContact.Str("id")}")).JsonAsync();
        Assert.Equal(onContact.GetRawText(), read.GetRawText());
        var list = await (await api.GetAsync(Route)).JsonAsync();
        Assert.Equal(("list", 3), (list.Str("type"), list.GetProperty("total_count").GetInt32()));
        Assert.Equal([onWorkspace.Str("id"), onConversation.Str("id"), onContact.Str("id")], list.GetProperty("data").EnumerateArray().Select(h => h.Str("id")));

        // Paged like the other lists, and filtered by target.
        var first = await (await api.GetAsync($"{Route}?per_page=2")).JsonAsync();
        Assert.Equal(2, first.GetProperty("data").GetArrayLength());
        var after = first.GetProperty("pages").GetProperty("next").Str("starting_after");
        var second = await (await api.GetAsync($"{Route}?per_page=2&starting_after={after}")).JsonAsync();
        Assert.Equal(onContact.Str("id"), Assert.Single(second.GetProperty("data").EnumerateArray()).Str("id"));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("pages").GetProperty("next").ValueKind);
        var forContact = await (await api.GetAsync($"{Route}?target_type=contact&target_id={contact}")).JsonAsync();
        Assert.Equal(onContact.Str("id"), Assert.Single(forContact.GetProperty("data").EnumerateArray()).Str("id"));

        // Released: the row stays, inactive, with who and when.
        var released = await (await api.DeleteAsync($"{Route}/{onContact.Str("id")}")).JsonAsync();
        Assert.False(released.GetProperty("active").GetBoolean());
        Assert.True(released.GetProperty("released_at").GetInt64() >= onContact.GetProperty("created_at").GetInt64());
        Assert.Equal(workspace.OwnerId, released.GetProperty("released_by").Str("id"));
        Assert.Equal(reason, released.Str("reason"));
        await (await api.DeleteAsync($"{Route}/{onContact.Str("id")}")).ErrorAsync(HttpStatusCode.Conflict, "conflict");
        var active = await (await api.GetAsync($"{Route}?state=active")).JsonAsync();
        Assert.Equal(2, active.GetProperty("total_count").GetInt32());
        var inactive = await (await api.GetAsync($"{Route}?state=inactive")).JsonAsync();
        Assert.Equal(onContact.Str("id"), Assert.Single(inactive.GetProperty("data").EnumerateArray()).Str("id"));

        // The reason is stored sealed, and no entry carries it.
        await using (var db = server.Cell(Region.Eu).CreateReadContext())
        {
            var row = await db.LegalHolds.AsNoTracking().SingleAsync(h => h.Id == onContact.Str("id"));
            Assert.NotNull(row.EncryptedReason);
            Assert.DoesNotContain(reason, Encoding.UTF8.GetString(row.EncryptedReason!), StringComparison.Ordinal);
            Assert.NotNull(row.ReleasedAt);
        }

        var entries = await ActivityLogTests.AllEntriesAsync(api);
        var set = entries.Where(e => e.Str("activity_type") == ActivityTypes.LegalHoldSet).ToList();
        Assert.Equal(3, set.Count);
        var contactEntry = set.Single(e => e.GetProperty("metadata").Str("legal_hold_id") == onContact.Str("id"));
        Assert.Equal(("contact", contact), (contactEntry.GetProperty("target").Str("type"), contactEntry.GetProperty("target").Str("id")));
        Assert.Equal(until, contactEntry.GetProperty("metadata").GetProperty("until").GetInt64());
        Assert.Equal(workspace.OwnerId, contactEntry.GetProperty("performed_by").Str("id"));
        var release = Assert.Single(entries, e => e.Str("activity_type") == ActivityTypes.LegalHoldReleased);
        Assert.Equal(onContact.Str("id"), release.GetProperty("metadata").Str("legal_hold_id"));
        Assert.All(entries, e => Assert.DoesNotContain("matter", e.GetRawText(), StringComparison.OrdinalIgnoreCase));
        Assert.All(entries, e => Assert.DoesNotContain("inquiry", e.GetRawText(), StringComparison.OrdinalIgnoreCase));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task BadInput_Is400_UnknownAndErasedTargets_404_AndNothingIsSet(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var contact = await ContactAsync(api);
        var foreign = await ContactAsync(otherApi);
        var foreignConversation = await ConversationAsync(otherApi, foreign);
        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();

        (object Body, string Code)[] refused =
        [
            (new { target_id = contact, reason = "r" }, "parameter_not_found"),
            (new { target_type = "visitor", target_id = contact, reason = "r" }, "parameter_invalid"),
            (new { target_type = "contact", reason = "r" }, "parameter_not_found"),
            (new { target_type = "contact", target_id = contact }, "parameter_not_found"),
            (new { target_type = "contact", target_id = contact, reason = "   " }, "parameter_not_found"),
            (new { target_type = "contact", target_id = contact, reason = new string('x', LegalHoldCommands.MaxReasonLength + 1) }, "parameter_invalid"),
            (new { target_type = "contact", target_id = contact, reason = "r", until = past }, "parameter_invalid"),
            (new { target_type = "contact", target_id = contact, reason = "r", until = -5 }, "parameter_invalid"),
            (new { target_type = "contact", target_id = contact, reason = "r", until = UnixSeconds.Max + 1 }, "parameter_invalid"),
        ];
        foreach (var (body, code) in refused)
        {
            await (await api.PostJsonAsync(Route, body)).ErrorAsync(HttpStatusCode.BadRequest, code);
        }

        foreach (var raw in new[] { "not json", "[]", """{"target_type":"contact","target_id":42,"reason":"r"}""", $$"""{"target_type":"contact","target_id":"{{contact}}","reason":"r","until":"tomorrow"}""" })
        {
            var json = await (await api.PostRawAsync(Route, raw)).JsonAsync(HttpStatusCode.BadRequest);
            Assert.Equal("error.list", json.Str("type"));
        }

        // Not found: another workspace's contact and conversation, an unknown id, another workspace as the workspace.
        await (await api.PostJsonAsync(Route, new { target_type = "contact", target_id = foreign, reason = "r" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync(Route, new { target_type = "conversation", target_id = foreignConversation, reason = "r" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync(Route, new { target_type = "contact", target_id = "no-such-contact", reason = "r" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync(Route, new { target_type = "workspace", target_id = other.Id, reason = "r" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // A contact being erased is gone for readers: it cannot be held any more.
        var erased = await ContactAsync(api);
        await (await api.DeleteAsync($"contacts/{erased}")).JsonAsync();
        await (await api.PostJsonAsync(Route, new { target_type = "contact", target_id = erased, reason = "too late" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // Reading and releasing: unknown or another workspace's holds are 404; bad filters 400.
        var foreignHold = (await (await otherApi.PostJsonAsync(Route, new { target_type = "contact", target_id = foreign, reason = "theirs" })).JsonAsync()).Str("id");
        await (await api.GetAsync($"{Route}/{foreignHold}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.DeleteAsync($"{Route}/{foreignHold}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"{Route}/not-an-id")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"{Route}?state=sometimes")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync($"{Route}?target_type=visitor")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync($"{Route}?per_page=0")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync($"{Route}?target_id=%00abc")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.GetAsync($"{Route}?starting_after=xyz")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        Assert.Equal(0, (await (await api.GetAsync(Route)).JsonAsync()).GetProperty("total_count").GetInt32());
        Assert.DoesNotContain(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.LegalHoldSet);
        Assert.Equal(foreign, (await (await otherApi.GetAsync($"contacts/{foreign}")).JsonAsync()).Str("id"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task WithoutRetentionManage_EveryRouteIs403_AndWithoutAToken401(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contact = await ContactAsync(api);
        var hold = (await (await api.PostJsonAsync(Route, new { target_type = "contact", target_id = contact, reason = "kept" })).JsonAsync()).Str("id");

        // A token that may delete contacts, but not manage retention.
        var scoped = (await (await api.PostJsonAsync("confide/api_tokens", new { name = "no holds", scopes = new[] { "contacts.read", "contacts.delete", "privacy_requests.manage" } })).JsonAsync()).Str("access_token");
        using var narrowed = server.Client(Region.Eu, scoped);
        using var anonymous = server.Client(Region.Eu);
        foreach (var (client, status, code) in new[] { (narrowed, HttpStatusCode.Forbidden, "forbidden"), (anonymous, HttpStatusCode.Unauthorized, "unauthorized") })
        {
            await (await client.PostJsonAsync(Route, new { target_type = "contact", target_id = contact, reason = "r" })).ErrorAsync(status, code);
            await (await client.GetAsync(Route)).ErrorAsync(status, code);
            await (await client.GetAsync($"{Route}/{hold}")).ErrorAsync(status, code);
            await (await client.DeleteAsync($"{Route}/{hold}")).ErrorAsync(status, code);
        }

        Assert.True((await (await api.GetAsync($"{Route}/{hold}")).JsonAsync()).GetProperty("active").GetBoolean());
    }

    internal static async Task<string> ContactAsync(HttpClient api) =>
        (await (await api.PostJsonAsync("contacts", new { email = $"held-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");

    internal static async Task<string> ConversationAsync(HttpClient api, string contactId) =>
        (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Hello" })).JsonAsync()).Str("conversation_id");

    internal static async Task<string> HoldAsync(HttpClient api, string targetType, string targetId) =>
        (await (await api.PostJsonAsync(Route, new { target_type = targetType, target_id = targetId, reason = "Pending litigation" })).JsonAsync()).Str("id");
}
