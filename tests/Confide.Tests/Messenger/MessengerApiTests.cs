using System.Net;
using System.Text.Json;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Messenger;

/// <summary>
/// The website messenger's API: a session speaks for one visitor or verified user and never
/// reaches anyone else's conversations; claimed identities without proof are never trusted.
/// </summary>
public sealed class MessengerApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Visitor_WritesAsLead_SeesOwnHistoryOnReturn_OthersSeeNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);

        var boot = await visitor.BootAsync();
        var booted = await boot.JsonAsync();
        Assert.Equal("visitor", booted.Str("identity"));
        // The visitor id: a cookie of the messenger's origin, out of scripts' reach, one per embedding site.
        var setCookie = boot.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith($"confide_visitor_{workspace.Id}=", StringComparison.Ordinal));
        foreach (var attribute in (string[])["secure", "httponly", "samesite=none", "partitioned", "path=/messenger"])
        {
            Assert.Contains(attribute, setCookie, StringComparison.OrdinalIgnoreCase);
        }

        // Booting alone stores nothing: a visitor becomes a lead only when they write.
        Assert.Equal(0, (await visitor.ListAsync()).GetProperty("conversations").GetArrayLength());
        var contactsBefore = (await (await api.GetAsync("contacts")).JsonAsync()).GetProperty("total_count").GetInt32();
        Assert.Equal(0, contactsBefore);

        var conversationId = await visitor.StartAsync("Hello, is anyone there?");
        var conversation = await (await api.GetAsync($"conversations/{conversationId}")).JsonAsync();
        var contactId = conversation.GetProperty("contacts").GetProperty("contacts")[0].Str("id");
        var contact = await (await api.GetAsync($"contacts/{contactId}")).JsonAsync();
        Assert.Equal("lead", contact.Str("role"));
        Assert.Equal("Hello, is anyone there?", conversation.GetProperty("source").Str("body"));

        // The same browser, booting again (a new page), finds its conversation.
        await visitor.BootOkAsync();
        var list = await visitor.ListAsync();
        Assert.Equal(conversationId, list.GetProperty("conversations")[0].Str("id"));

        // Another browser sees nothing of it, even knowing its id.
        using var stranger = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await stranger.BootOkAsync();
        Assert.Equal(0, (await stranger.ListAsync()).GetProperty("conversations").GetArrayLength());
        await (await stranger.GetAsync($"conversations/{conversationId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.PostAsync($"conversations/{conversationId}/reply", new { body = "Injected" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        var strangerConversation = await stranger.StartAsync("My own question");
        Assert.NotEqual(strangerConversation, conversationId);
        Assert.Single((await visitor.ListAsync()).GetProperty("conversations").EnumerateArray());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task TeammateReply_IsUnreadUntilRead_NotesAndAssignmentsStayInternal(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await visitor.BootOkAsync();
        var conversationId = await visitor.StartAsync("Where is my parcel?");
        Assert.Equal(0, (await visitor.ListAsync()).GetProperty("unread").GetInt32());

        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "note", type = "admin", admin_id = workspace.OwnerId, body = "Internal: customer is a reseller" })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversationId}/parts", new { message_type = "assignment", type = "admin", admin_id = workspace.OwnerId, assignee_id = workspace.OwnerId })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{conversationId}/reply", new { message_type = "comment", type = "admin", admin_id = workspace.OwnerId, body = "It left our warehouse today." })).JsonAsync();

        var list = await visitor.ListAsync();
        Assert.Equal(1, list.GetProperty("unread").GetInt32());
        Assert.Equal("It left our warehouse today.", list.GetProperty("conversations")[0].Str("last_message"));
        var thread = await (await visitor.GetAsync($"conversations/{conversationId}")).JsonAsync();
        var text = thread.GetRawText();
        Assert.DoesNotContain("Internal", text, StringComparison.Ordinal);
        Assert.DoesNotContain("assignment", text, StringComparison.Ordinal);
        Assert.Equal(["user", "admin"], thread.GetProperty("messages").EnumerateArray().Select(m => m.Str("kind")));

        Assert.Equal(HttpStatusCode.NoContent, (await visitor.PostAsync($"conversations/{conversationId}/read")).StatusCode);
        Assert.Equal(0, (await visitor.ListAsync()).GetProperty("unread").GetInt32());
        var reply = await (await visitor.PostAsync($"conversations/{conversationId}/reply", new { body = "Thanks!" })).JsonAsync();
        Assert.Equal(3, reply.GetProperty("messages").GetArrayLength());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ClaimedIdentityWithoutProof_IsNeverTrusted_WhenNotEnforced(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var victimId = (await (await api.PostJsonAsync("contacts", new { external_id = "victim-1", email = "victim@example.com" })).JsonAsync()).Str("id");
        var victimConversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = victimId }, body = "My card number is …" })).JsonAsync()).Str("conversation_id");

        using var attacker = new MessengerVisitor(server, Region.Eu, workspace.Id);
        var booted = await attacker.BootOkAsync(new { user_id = "victim-1", email = "victim@example.com" });
        Assert.Equal("unverified", booted.Str("identity"));
        Assert.Equal(0, (await attacker.ListAsync()).GetProperty("conversations").GetArrayLength());
        await (await attacker.GetAsync($"conversations/{victimConversation}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await attacker.PostAsync($"conversations/{victimConversation}/reply", new { body = "Posing as the victim" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // What they write lands on a new lead of their own, not on the user they claimed to be.
        var own = await attacker.StartAsync("Hi");
        var conversation = await (await api.GetAsync($"conversations/{own}")).JsonAsync();
        Assert.NotEqual(victimId, conversation.GetProperty("contacts").GetProperty("contacts")[0].Str("id"));
        var victimParts = (await (await api.GetAsync($"conversations/{victimConversation}")).JsonAsync()).GetProperty("conversation_parts").GetProperty("total_count").GetInt32();
        Assert.Equal(0, victimParts);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task VisitorWhoIdentifies_SeesOnlyThatUsersConversations_AndNothingIsMerged(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var secret = (await (await api.PostJsonAsync("confide/messenger_secrets", new { })).JsonAsync()).Str("secret");
        var userId = (await (await api.PostJsonAsync("contacts", new { external_id = "u-1" })).JsonAsync()).Str("id");
        var usersConversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id = userId }, body = "Earlier, as u-1" })).JsonAsync()).Str("conversation_id");

        // Someone writes anonymously on a shared computer...
        using var browser = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await browser.BootOkAsync();
        var visitorsConversation = await browser.StartAsync("Written before signing in");

        // ...then u-1 signs in on it: they see u-1's conversations only; the visitor id is dropped.
        var boot = await browser.BootAsync(new { user_id = "u-1", user_hash = Confide.Messaging.Messenger.Verification.UserHash.Compute(secret, "u-1") });
        Assert.Equal("user", (await boot.JsonAsync()).Str("identity"));
        Assert.Contains(boot.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"confide_visitor_{workspace.Id}=;", StringComparison.Ordinal));
        var list = await browser.ListAsync();
        Assert.Equal([usersConversation], list.GetProperty("conversations").EnumerateArray().Select(c => c.Str("id")));
        await (await browser.GetAsync($"conversations/{visitorsConversation}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // After they sign out, the next visitor on that browser starts afresh: neither u-1's nor the first visitor's.
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync($"shutdown?app_id={workspace.Id}")).StatusCode);
        await browser.BootOkAsync();
        Assert.Equal(0, (await browser.ListAsync()).GetProperty("conversations").GetArrayLength());

        // Nothing moved between contacts.
        var visitorContact = (await (await api.GetAsync($"conversations/{visitorsConversation}")).JsonAsync()).GetProperty("contacts").GetProperty("contacts")[0].Str("id");
        Assert.NotEqual(userId, visitorContact);
        Assert.Equal("lead", (await (await api.GetAsync($"contacts/{visitorContact}")).JsonAsync()).Str("role"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Session_MissingTamperedOrFromAnotherRegion_IsRefused(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await (await visitor.GetAsync("conversations")).ErrorAsync(HttpStatusCode.Unauthorized, "session_invalid");
        await visitor.BootOkAsync();
        var genuine = visitor.Session!;
        visitor.Session = genuine[..^4] + (genuine[^4] == 'A' ? 'B' : 'A') + genuine[^3..];
        await (await visitor.GetAsync("conversations")).ErrorAsync(HttpStatusCode.Unauthorized, "session_invalid");

        // The eu session presented at the us endpoint is sent back to its region, never served.
        using var elsewhere = new MessengerVisitor(server, Region.Us, workspace.Id) { Session = genuine };
        await (await elsewhere.GetAsync("conversations")).ErrorAsync(HttpStatusCode.MisdirectedRequest, "region_mismatch");
        await (await elsewhere.BootAsync()).ErrorAsync(HttpStatusCode.MisdirectedRequest, "region_mismatch");

        using var unknown = new MessengerVisitor(server, Region.Eu, "eu_doesnotexist");
        await (await unknown.BootAsync()).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await visitor.Http.PostAsync("messenger/v1/boot", JsonContent())).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Events_SignalOnlyTheSessionsOwnConversations(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var visitor = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await visitor.BootOkAsync();
        var mine = await visitor.StartAsync("Mine");
        using var other = new MessengerVisitor(server, Region.Eu, workspace.Id);
        await other.BootOkAsync();
        var theirs = await other.StartAsync("Theirs");

        using var request = new HttpRequestMessage(HttpMethod.Get, "messenger/v1/events");
        request.Headers.Add("Confide-Messenger-Session", visitor.Session);
        using var response = await visitor.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The opening lines go out once the stream listens: no change after them is missed.
        Assert.Equal("retry: 3000", await reader.ReadLineAsync());
        Assert.Equal(": open", await reader.ReadLineAsync());

        await (await api.PostJsonAsync($"conversations/{theirs}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = "To them" })).JsonAsync();
        await (await api.PostJsonAsync($"conversations/{mine}/reply", new { type = "admin", admin_id = workspace.OwnerId, body = "To you" })).JsonAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? data = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            Assert.DoesNotContain(theirs, line, StringComparison.Ordinal);
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("conversation_id", StringComparison.Ordinal))
            {
                data = line;
                break;
            }
        }

        Assert.Equal($$"""data: {"conversation_id":"{{mine}}"}""", data);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Frame_CanBeFramedOnlyByTheWorkspacesAllowedOrigins(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var http = server.Client(Region.Eu);
        var response = await http.GetAsync($"messenger/v1/frame?app_id={workspace.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);

        await MessengerSetup.AllowOriginsAsync(server, workspace, "https://shop.example.com http://localhost:8080");
        csp = (await http.GetAsync($"messenger/v1/frame?app_id={workspace.Id}")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors https://shop.example.com http://localhost:8080", csp, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("messenger/v1/frame?app_id=eu_doesnotexist")).StatusCode);
        // Every other response still refuses to be framed.
        var api = (await http.GetAsync("messenger/widget.js")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", api, StringComparison.Ordinal);
    }

    private static StringContent JsonContent() => new("{}", System.Text.Encoding.UTF8, "application/json");
}
