using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Retention;

/// <summary>Settings → Retention: the rules and the default schedule; turning a rule on shows the dry run's count and saves only when confirmed; only those with <c>retention.manage</c>.</summary>
public sealed class RetentionPageTests(RetentionServers servers) : IClassFixture<RetentionServers>
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task EnablingARule_ShowsWhatItWouldDelete_AndSavesOnlyWhenConfirmed(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Retention page");
        await TestTagRule.SeedAsync(server.Cell(Region.Eu), workspace.Id, 3, daysAgo: 40);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var path = $"app/settings/retention?workspace={workspace.Id}";
        Assert.Contains("/app/settings/retention", await browser.HtmlAsync($"app/settings/security?workspace={workspace.Id}"), StringComparison.Ordinal);

        var page = await browser.HtmlAsync(path);
        Assert.Contains("retention-defaults", page, StringComparison.Ordinal);
        Assert.Contains($"data-rule=\"{TestTagRule.Name}\"", page, StringComparison.Ordinal);
        Assert.Contains("No run has finished", page, StringComparison.Ordinal);

        var review = await ReadAsync(await browser.PostAsync(path, TeammateBrowser.Form(page, new()
        {
            ["Rules[0].Subject"] = TestTagRule.Name, ["Rules[0].AfterDays"] = "30", ["Rules[0].Enabled"] = "true",
        })));
        Assert.Contains("data-retention-confirm", review, StringComparison.Ordinal);
        Assert.Contains($"data-dry-run=\"{TestTagRule.Name}\"><strong>3</strong>", review, StringComparison.Ordinal);
        using var api = workspace.Client();
        Assert.False(RetentionPolicyApiTests.Rule(await (await api.GetAsync("confide/retention_policy")).JsonAsync(), TestTagRule.Name).GetProperty("enabled").GetBoolean());

        var saved = await ReadAsync(await browser.PostAsync($"app/settings/retention?handler=Confirm&workspace={workspace.Id}", TeammateBrowser.Form(review, new()
        {
            ["Rules[0].Subject"] = TestTagRule.Name, ["Rules[0].AfterDays"] = "30", ["Rules[0].Enabled"] = "true",
        })));
        Assert.Contains("The retention policy is saved", saved, StringComparison.Ordinal);
        var rule = RetentionPolicyApiTests.Rule(await (await api.GetAsync("confide/retention_policy")).JsonAsync(), TestTagRule.Name);
        Assert.Equal((true, 30), (rule.GetProperty("enabled").GetBoolean(), rule.GetProperty("after_days").GetInt32()));

        // Lengthening deletes nothing sooner: saved at once. A built-in rule made longer is refused, with the reason.
        var longer = await ReadAsync(await browser.PostAsync(path, TeammateBrowser.Form(saved, new()
        {
            ["Rules[0].Subject"] = TestTagRule.Name, ["Rules[0].AfterDays"] = "60", ["Rules[0].Enabled"] = "true",
        })));
        Assert.Contains("The retention policy is saved", longer, StringComparison.Ordinal);
        var refused = await ReadAsync(await browser.PostAsync(path, TeammateBrowser.Form(longer, new()
        {
            ["Rules[0].Subject"] = TestBuiltInRule.Name, ["Rules[0].AfterDays"] = "500", ["Rules[0].Enabled"] = "true",
        })));
        Assert.Contains("not made longer than 100 days", refused, StringComparison.Ordinal);
        Assert.Equal(60, RetentionPolicyApiTests.Rule(await (await api.GetAsync("confide/retention_policy")).JsonAsync(), TestTagRule.Name).GetProperty("after_days").GetInt32());
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnAgent_HasNoLink_AndIsRefused(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var agent = await (await api.PostJsonAsync("confide/teammates", new { email = $"agent-{Guid.NewGuid():N}@example.com", role = "agent" })).JsonAsync();
        var agentEmail = (await (await api.GetAsync($"admins/{agent.Str("id")}")).JsonAsync()).Str("email");
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(agentEmail, await server.JoinByInvitationAsync(Region.Eu, agentEmail))).StatusCode);
        Assert.DoesNotContain("/app/settings/retention", await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync($"app/settings/retention?workspace={workspace.Id}")).StatusCode);
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {html}");
        return html;
    }
}
