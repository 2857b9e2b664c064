using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

/// <summary>The inbox's event stream: who may open it, and which conversations it names.</summary>
public sealed partial class InboxPageTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Events_NameOnlyConversationsTheTeammateMayRead(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var role = (await (await api.PostJsonAsync("confide/roles", new { name = "Assigned only", permissions = new[] { "conversations.read.assigned", "conversations.reply" } })).JsonAsync()).Str("id");
        var assignedOnly = await AddTeammateAsync(server, api, role, "Sam Scoped");
        var contactId = await AddContactAsync(api, "events@example.com", "Eve");
        var theirs = await StartConversationAsync(api, contactId, "Not for Sam", assignTo: null, workspace);
        var mine = await StartConversationAsync(api, contactId, "For Sam", assignTo: assignedOnly.Id, workspace);

        using var ownerBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await ownerBrowser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        using var scopedBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await scopedBrowser.PostPasswordAsync(assignedOnly.Email, assignedOnly.Password)).StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var ownerEvents = await EventStream.OpenAsync(ownerBrowser, workspace.Id, timeout.Token);
        await using var scopedEvents = await EventStream.OpenAsync(scopedBrowser, workspace.Id, timeout.Token);
        await ContactRepliesAsync(api, theirs, contactId, "Anyone?");
        await ContactRepliesAsync(api, mine, contactId, "Sam?");

        // Signals arrive in order: once Sam's stream names the second, it has passed over the first.
        Assert.Equal([theirs, mine], await ownerEvents.ConversationsUntilAsync(mine, timeout.Token));
        Assert.Equal([mine], await scopedEvents.ConversationsUntilAsync(mine, timeout.Token));
        Assert.DoesNotContain("Anyone?", scopedEvents.Received, StringComparison.Ordinal);
        Assert.DoesNotContain("Sam?", ownerEvents.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_RefuseAnonymousCallers_AndTeammatesOfOtherWorkspaces()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);

        using var anonymous = server.Browser(Region.Eu, new CookieContainer());
        var refused = await anonymous.GetAsync($"app/inbox/events?workspace={workspace.Id}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/app/login", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        using var outsider = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await outsider.PostPasswordAsync(other.OwnerEmail)).StatusCode);
        var foreign = await outsider.GetAsync($"app/inbox/events?workspace={workspace.Id}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.NotEqual("text/event-stream", foreign.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>A signed-in client's read of <c>/app/inbox/events</c>, line by line.</summary>
internal sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly System.Text.StringBuilder _received = new();

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Everything read so far.</summary>
    public string Received => _received.ToString();

    /// <summary>Opens the stream and reads its opening lines: from then on the server is subscribed.</summary>
    public static async Task<EventStream> OpenAsync(HttpClient browser, string workspaceId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"app/inbox/events?workspace={workspaceId}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync(ct)));
        while (await stream.ReadLineAsync(ct) != ": open")
        {
        }

        return stream;
    }

    /// <summary>The conversation ids of the data lines, up to and including <paramref name="last"/>.</summary>
    public async Task<List<string>> ConversationsUntilAsync(string last, CancellationToken ct)
    {
        var ids = new List<string>();
        while (!ids.Contains(last))
        {
            if (await ReadLineAsync(ct) is { } line && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var json = System.Text.Json.JsonDocument.Parse(line["data: ".Length..]);
                Assert.Equal(["conversation_id"], json.RootElement.EnumerateObject().Select(p => p.Name));
                ids.Add(json.RootElement.GetProperty("conversation_id").GetString()!);
            }
        }

        return ids;
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        var line = await _reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("The event stream ended.");
        _received.AppendLine(line);
        return line;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
