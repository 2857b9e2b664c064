using System.Net;
using System.Net.Http.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Confide.Tests.Messenger;
using Confide.Tests.Retention;

namespace Confide.Tests.Api;

/// <summary>
/// Intercom's visitors are the messenger's anonymous leads: found by the visitor id their browser
/// holds, updated, and converted into a new user, an existing user (the contact merge) or a lead —
/// after which the visitor id finds nothing.
/// </summary>
public sealed class VisitorApiTests(Servers servers)
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Visitor_IsFoundByItsVisitorId_AndUpdated(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var (visitorId, lead, _) = await VisitorAsync(server, workspace, "Is there a free plan?");

        var found = await (await api.GetAsync($"visitors?user_id={visitorId}")).JsonAsync();
        Assert.Equal(("visitor", lead, visitorId, workspace.Id), (found.Str("type"), found.Str("id"), found.Str("user_id"), found.Str("app_id")));
        Assert.True(found.GetProperty("anonymous").GetBoolean());
        Assert.Equal(("tag.list", "company.list", "segment.list"), (found.GetProperty("tags").Str("type"), found.GetProperty("companies").Str("type"), found.GetProperty("segments").Str("type")));

        var updated = await (await api.PutAsJsonAsync("visitors", new { user_id = visitorId, name = "Vera Visitor", custom_attributes = new { source = "pricing-page" } })).JsonAsync();
        Assert.Equal(("Vera Visitor", "pricing-page"), (updated.Str("name"), updated.GetProperty("custom_attributes").Str("source")));
        // Named by its Confide id, the visitor answers that id as its user_id — a value it is found by again.
        var byId = await (await api.PutAsJsonAsync("visitors", new { id = lead, name = "Vera V." })).JsonAsync();
        Assert.Equal(("Vera V.", lead), (byId.Str("name"), byId.Str("user_id")));
        var byConfideId = await (await api.GetAsync($"visitors?user_id={byId.Str("user_id")}")).JsonAsync();
        Assert.Equal((lead, lead, "Vera V."), (byConfideId.Str("id"), byConfideId.Str("user_id"), byConfideId.Str("name")));
        Assert.Equal(lead, (await (await api.PutAsJsonAsync("visitors", new { user_id = lead, name = "Vera V." })).JsonAsync()).Str("user_id"));
        Assert.Equal("Vera V.", (await (await api.GetAsync($"contacts/{lead}")).JsonAsync()).Str("name"));

        var tag = (await (await api.PostJsonAsync("tags", new { name = $"visited-{Guid.NewGuid():N}" })).JsonAsync()).Str("id");
        await (await api.PostJsonAsync($"contacts/{lead}/tags", new { id = tag })).JsonAsync();
        var tagged = await (await api.GetAsync($"visitors?user_id={visitorId}")).JsonAsync();
        Assert.Equal(tag, tagged.GetProperty("tags").GetProperty("tags")[0].Str("id"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task UnknownVisitors_AndContactsThatAreNoVisitors_AreNotFound(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var other = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        using var otherApi = other.Client();
        var (visitorId, lead, _) = await VisitorAsync(server, workspace, "Hello");
        var user = (await (await api.PostJsonAsync("contacts", new { email = $"user-{Guid.NewGuid():N}@example.com" })).JsonAsync()).Str("id");
        var apiLead = (await (await api.PostJsonAsync("contacts", new { role = "lead" })).JsonAsync()).Str("id");

        var missing = await (await api.GetAsync("visitors?user_id=not-a-visitor")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Visitor Not Found", missing.GetProperty("errors")[0].Str("message"));
        await (await api.GetAsync("visitors")).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PutAsJsonAsync("visitors", new { id = user, name = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PutAsJsonAsync("visitors", new { id = apiLead, name = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PutAsJsonAsync("visitors", new { name = "x" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PutAsJsonAsync("visitors", new { id = lead, custom_attributes = new { nested = new { no = 1 } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await otherApi.GetAsync($"visitors?user_id={visitorId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        // A Confide id finds only a visitor, and only in its own workspace.
        await (await otherApi.GetAsync($"visitors?user_id={lead}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"visitors?user_id={apiLead}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.GetAsync($"visitors?user_id={user}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherApi.PutAsJsonAsync("visitors", new { id = lead, name = "x" })).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        await (await api.PostJsonAsync("visitors/convert", new { user = new { email = "a@example.com" }, visitor = new { id = lead } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("visitors/convert", new { type = "admin", user = new { email = "a@example.com" }, visitor = new { id = lead } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PostJsonAsync("visitors/convert", new { type = "user", visitor = new { id = lead } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("visitors/convert", new { type = "user", user = new { email = "a@example.com" } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PostJsonAsync("visitors/convert", new { type = "user", user = new { email = "a@example.com" }, visitor = new { id = user } })).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.PostJsonAsync("visitors/convert", new { type = "user", user = new { name = "no identifier" }, visitor = new { id = lead } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        // The refusals changed nothing: still a visitor.
        Assert.Equal(lead, (await (await api.GetAsync($"visitors?user_id={visitorId}")).JsonAsync()).Str("id"));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Convert_IntoANewUser_ThenIntoAnExistingUser_ThenIntoALead(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        // A new user: the visitor itself becomes it, with the user's identifiers.
        var (firstVisitorId, firstLead, firstConversation) = await VisitorAsync(server, workspace, "First visit");
        var newEmail = $"new-{Guid.NewGuid():N}@example.com";
        var externalId = $"ext-{Guid.NewGuid():N}";
        var converted = await (await api.PostJsonAsync("visitors/convert", new { type = "user", user = new { user_id = externalId, email = newEmail }, visitor = new { user_id = firstVisitorId } })).JsonAsync();
        Assert.Equal(("contact", firstLead, "user", externalId, newEmail), (converted.Str("type"), converted.Str("id"), converted.Str("role"), converted.Str("external_id"), converted.Str("email")));
        await (await api.GetAsync($"visitors?user_id={firstVisitorId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(firstLead, await VisitorRuleTests.ContactOfAsync(workspace, firstConversation));

        // An existing user: the visitor is merged into it (and erased).
        var (secondVisitorId, secondLead, secondConversation) = await VisitorAsync(server, workspace, "Second visit");
        var mergedInto = await (await api.PostJsonAsync("visitors/convert", new { type = "user", user = new { email = newEmail }, visitor = new { user_id = secondVisitorId } })).JsonAsync();
        Assert.Equal(firstLead, mergedInto.Str("id"));
        Assert.Equal(firstLead, await VisitorRuleTests.ContactOfAsync(workspace, secondConversation));
        await (await api.GetAsync($"contacts/{secondLead}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // A lead: an ordinary lead from now on, with the email given.
        var (thirdVisitorId, thirdLead, _) = await VisitorAsync(server, workspace, "Third visit");
        var leadEmail = $"lead-{Guid.NewGuid():N}@example.com";
        var asLead = await (await api.PostJsonAsync("visitors/convert", new { type = "lead", user = new { email = leadEmail }, visitor = new { id = thirdLead } })).JsonAsync();
        Assert.Equal((thirdLead, "lead", leadEmail), (asLead.Str("id"), asLead.Str("role"), asLead.Str("email")));
        await (await api.GetAsync($"visitors?user_id={thirdVisitorId}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        var log = (await (await api.GetAsync("admins/activity_logs?created_at_after=0&per_page=150")).JsonAsync()).GetProperty("activity_logs").EnumerateArray().ToList();
        var conversions = log.Where(e => e.Str("activity_type") == ActivityTypes.VisitorConversion).ToList();
        Assert.Equal(2, conversions.Count);
        Assert.Contains(conversions, e => e.GetProperty("target").Str("id") == firstLead && e.GetProperty("metadata").Str("role") == "user");
        Assert.Contains(conversions, e => e.GetProperty("target").Str("id") == thirdLead && e.GetProperty("metadata").Str("role") == "lead");
        Assert.All(conversions, e => Assert.DoesNotContain(externalId, e.GetRawText(), StringComparison.Ordinal));
        Assert.Single(log, e => e.Str("activity_type") == ActivityTypes.ContactMerge && e.GetProperty("metadata").Str("from") == secondLead);
    }

    /// <summary>A messenger visitor's first message: its visitor id (the cookie's value), the lead it created and the conversation.</summary>
    private static async Task<(string VisitorId, string LeadId, string ConversationId)> VisitorAsync(TestServer server, TestWorkspace workspace, string message)
    {
        using var visitor = new MessengerVisitor(server, workspace.Region, workspace.Id);
        var boot = await visitor.BootAsync();
        await boot.JsonAsync();
        var cookie = boot.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith($"confide_visitor_{workspace.Id}=", StringComparison.Ordinal));
        var visitorId = cookie.Split(';')[0].Split('=', 2)[1];
        var conversationId = await visitor.StartAsync(message);
        return (visitorId, await VisitorRuleTests.ContactOfAsync(workspace, conversationId), conversationId);
    }
}
