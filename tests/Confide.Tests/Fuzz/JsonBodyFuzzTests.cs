using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Fuzz;

/// <summary>
/// JSON body binding through real endpoints over HTTPS: mutated bodies (seeds in
/// corpus/json-bodies, first line the method and path) never get a 5xx. Each seed's first line
/// is kept; only the body is mutated.
/// </summary>
public sealed class JsonBodyFuzzTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task MutatedBodies_AtRealEndpoints_NeverGet5xx(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var client = workspace.Client();
        var contactId = (await (await client.PostJsonAsync("contacts", new { email = "fuzz@example.com" })).JsonAsync()).Str("id");
        var conversationId = (await (await client.PostJsonAsync("conversations", new { from = new { type = "user", id = contactId }, body = "Fuzz" })).JsonAsync()).Str("conversation_id");
        var replied = await (await client.PostJsonAsync($"conversations/{conversationId}/reply", new { type = "admin", admin_id = workspace.OwnerId, message_type = "comment", body = "Fuzz reply" })).JsonAsync();
        var partId = replied.GetProperty("conversation_parts").GetProperty("conversation_parts")[0].Str("id");
        var sourceId = replied.GetProperty("source").Str("id");
        foreach (var (name, type) in new[] { ("plan", "string"), ("seats", "integer"), ("vip", "boolean"), ("note", "string") })
        {
            await (await client.PostJsonAsync("data_attributes", new { name, model = "conversation", data_type = type })).JsonAsync();
        }

        var segmentId = (await (await client.PostJsonAsync("confide/segments", new { name = "Fuzz", query = new { field = "created_at", @operator = ">", value = 0 } })).JsonAsync()).Str("id");
        var subscriptionId = (await Api.SubscriptionApiTests.CreateTypeAsync(client, "opt_in", "Fuzz news")).Str("id");
        // Two messenger visitors: one the update seeds name, one the conversion seed turns into a user.
        var visitorId = await VisitorAsync(server, workspace);
        var convertedId = await VisitorAsync(server, workspace);
        (string Placeholder, string Value)[] ids =
        [
            ("{contact}", contactId), ("{conversation}", conversationId), ("{part}", partId), ("{source}", sourceId), ("{segment}", segmentId),
            ("{subscription}", subscriptionId), ("{visitor}", visitorId), ("{converted}", convertedId), ("{owner}", workspace.OwnerId), ("{workspace}", workspace.Id),
        ];
        string Fill(string text) => ids.Aggregate(text, (filled, id) => filled.Replace(id.Placeholder, id.Value, StringComparison.Ordinal));

        await Fuzzer.RunAsync("json-bodies", async (input, _) =>
        {
            var text = Encoding.UTF8.GetString(input);
            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            var route = Fill(text[..newline]).Split(' ', 2);
            using var request = new HttpRequestMessage(new HttpMethod(route[0]), route[1])
            {
                Content = new ByteArrayContent(FillBytes(input[(Array.IndexOf(input, (byte)'\n') + 1)..], ids)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{route[0]} {route[1]}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await response.JsonAsync(response.StatusCode);
            }
        }, iterations: 1_500, mutate: MutateBody);
    }

    /// <summary>A messenger visitor (the lead the messenger makes for an anonymous browser's first message): its Confide id.</summary>
    private static async Task<string> VisitorAsync(TestServer server, TestWorkspace workspace)
    {
        using var visitor = new Messenger.MessengerVisitor(server, workspace.Region, workspace.Id);
        await (await visitor.BootAsync()).JsonAsync();
        return await Retention.VisitorRuleTests.ContactOfAsync(workspace, await visitor.StartAsync("Fuzz visitor"));
    }

    /// <summary>The placeholders replaced byte-wise: a mutated body need not be valid UTF-8.</summary>
    private static byte[] FillBytes(byte[] body, (string Placeholder, string Value)[] ids)
    {
        foreach (var (placeholder, value) in ids)
        {
            var from = Encoding.UTF8.GetBytes(placeholder);
            var at = body.AsSpan().IndexOf(from);
            while (at >= 0)
            {
                body = [.. body.AsSpan(0, at), .. Encoding.UTF8.GetBytes(value), .. body.AsSpan(at + from.Length)];
                var next = body.AsSpan(at + value.Length).IndexOf(from);
                at = next < 0 ? -1 : at + value.Length + next;
            }
        }

        return body;
    }

    /// <summary>Keeps the first line (method and path, with its placeholders) and mutates the body.</summary>
    private static byte[] MutateBody(byte[] input, Random random)
    {
        var newline = Array.IndexOf(input, (byte)'\n');
        return [.. input.AsSpan(0, newline + 1), .. Mutator.Mutate(input[(newline + 1)..], random)];
    }
}
