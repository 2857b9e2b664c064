using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confide.Audit;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Privacy.Retention;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Retention;

/// <summary>
/// <c>/confide/retention_policy</c> and its dry run (docs/retention.md): the defaults without a
/// setting, every refusal in one error list, built-in rules only shortened, each change logged
/// with before and after, and the dry run's counts and samples.
/// </summary>
public sealed class RetentionPolicyApiTests(RetentionServers servers) : IClassFixture<RetentionServers>
{
    private const string Route = "confide/retention_policy";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Get_WithoutSettings_ShowsBuiltInRulesOnWithTheirDefault_OthersOff(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        var policy = await (await api.GetAsync(Route)).JsonAsync();
        Assert.Equal("retention_policy", policy.Str("type"));
        var builtIn = Rule(policy, TestBuiltInRule.Name);
        Assert.Equal((100, true, true), (builtIn.GetProperty("after_days").GetInt32(), builtIn.GetProperty("enabled").GetBoolean(), builtIn.GetProperty("built_in").GetBoolean()));
        var tag = Rule(policy, TestTagRule.Name);
        Assert.Equal((30, false, false), (tag.GetProperty("after_days").GetInt32(), tag.GetProperty("enabled").GetBoolean(), tag.GetProperty("built_in").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("last_run").ValueKind);
        // Built-in rules come first.
        var subjects = policy.GetProperty("rules").EnumerateArray().Select(r => r.Str("subject")).ToList();
        Assert.True(subjects.IndexOf(TestBuiltInRule.Name) < subjects.IndexOf(TestTagRule.Name));

        using var anonymous = server.Client(Region.Eu);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Route)).StatusCode);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Put_RefusesEveryInvalidRuleInOneErrorList_AndChangesNothing(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        var refused = await (await api.PutAsJsonAsync(Route, new
        {
            type = "retention_policy",
            rules = new object[]
            {
                new { subject = "no_such_rule", after_days = 10, enabled = true },
                new { subject = TestTagRule.Name, after_days = 0, enabled = true },
                new { subject = TestTagRule.Name, after_days = 20, enabled = true },
                new { subject = TestBuiltInRule.Name, after_days = 101, enabled = true },
            },
        })).JsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("error.list", refused.Str("type"));
        var messages = refused.GetProperty("errors").EnumerateArray().Select(e => (e.Str("code"), e.Str("message"))).ToList();
        Assert.Equal(4, messages.Count);
        Assert.All(messages, m => Assert.Equal("parameter_invalid", m.Item1));
        Assert.Contains("rules[0].subject is not a known retention rule", messages[0].Item2, StringComparison.Ordinal);
        Assert.Contains("between 1 and 3650", messages[1].Item2, StringComparison.Ordinal);
        Assert.Contains("more than once", messages[2].Item2, StringComparison.Ordinal);
        Assert.Contains("not made longer than 100 days", messages[3].Item2, StringComparison.Ordinal);

        await (await api.PutAsJsonAsync(Route, new { rules = new[] { new { subject = TestTagRule.Name, after_days = 3651, enabled = true } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        var disabled = await (await api.PutAsJsonAsync(Route, new { rules = new[] { new { subject = TestBuiltInRule.Name, after_days = 50, enabled = false } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.Contains("cannot be disabled", disabled.GetProperty("errors")[0].Str("message"), StringComparison.Ordinal);
        await (await api.PutAsJsonAsync(Route, new { type = "retention_policy" })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PutAsJsonAsync(Route, new { rules = new[] { new { after_days = 5 } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_not_found");
        await (await api.PutAsync(Route, new StringContent("""{"rules":[{"subject":"test_tag","after_days":"ten"}]}""", System.Text.Encoding.UTF8, "application/json"))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        await (await api.PutAsync(Route, new StringContent("not json", System.Text.Encoding.UTF8, "application/json"))).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");

        var policy = await (await api.GetAsync(Route)).JsonAsync();
        Assert.False(Rule(policy, TestTagRule.Name).GetProperty("enabled").GetBoolean());
        Assert.Equal(100, Rule(policy, TestBuiltInRule.Name).GetProperty("after_days").GetInt32());
        Assert.DoesNotContain(await Audit.ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.RetentionPolicyChange);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Put_EnablesAndShortens_KeepsRulesNotNamed_LogsBeforeAndAfter(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();

        var saved = await (await api.PutAsJsonAsync(Route, new
        {
            type = "retention_policy",
            rules = new object[] { new { subject = TestTagRule.Name, after_days = 45, enabled = true }, new { subject = TestBuiltInRule.Name, after_days = 60 } },
        })).JsonAsync();
        Assert.Equal((45, true), (Rule(saved, TestTagRule.Name).GetProperty("after_days").GetInt32(), Rule(saved, TestTagRule.Name).GetProperty("enabled").GetBoolean()));
        Assert.Equal(60, Rule(saved, TestBuiltInRule.Name).GetProperty("after_days").GetInt32());
        // A rule not named keeps its setting.
        await (await api.PutAsJsonAsync(Route, new { rules = new[] { new { subject = TestBuiltInRule.Name, after_days = 90 } } })).JsonAsync();
        var policy = await (await api.GetAsync(Route)).JsonAsync();
        Assert.Equal((45, true), (Rule(policy, TestTagRule.Name).GetProperty("after_days").GetInt32(), Rule(policy, TestTagRule.Name).GetProperty("enabled").GetBoolean()));
        Assert.Equal(90, Rule(policy, TestBuiltInRule.Name).GetProperty("after_days").GetInt32());
        // The same policy again changes nothing and logs nothing.
        await (await api.PutAsJsonAsync(Route, new { rules = new[] { new { subject = TestBuiltInRule.Name, after_days = 90 } } })).JsonAsync();

        var changes = (await Audit.ActivityLogTests.AllEntriesAsync(api)).Where(e => e.Str("activity_type") == ActivityTypes.RetentionPolicyChange).ToList();
        Assert.Equal(2, changes.Count);
        var first = changes[0].GetProperty("metadata");
        Assert.Equal(workspace.OwnerId, changes[0].GetProperty("performed_by").Str("id"));
        Assert.Equal("api", changes[0].Str("performed_via"));
        var before = first.GetProperty("before").EnumerateArray().ToDictionary(r => r.Str("subject"));
        var after = first.GetProperty("after").EnumerateArray().ToDictionary(r => r.Str("subject"));
        Assert.Equal((30, false), (before[TestTagRule.Name].GetProperty("after_days").GetInt32(), before[TestTagRule.Name].GetProperty("enabled").GetBoolean()));
        Assert.Equal((45, true), (after[TestTagRule.Name].GetProperty("after_days").GetInt32(), after[TestTagRule.Name].GetProperty("enabled").GetBoolean()));
        Assert.Equal(100, before[TestBuiltInRule.Name].GetProperty("after_days").GetInt32());
        Assert.Equal(60, after[TestBuiltInRule.Name].GetProperty("after_days").GetInt32());
        var second = changes[1].GetProperty("metadata");
        Assert.Equal([TestBuiltInRule.Name], second.GetProperty("after").EnumerateArray().Select(r => r.Str("subject")));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task DryRun_CountsAndSamplesWhatACandidateWouldDelete_WithoutChangingAnything(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        var cell = server.Cell(Region.Eu);
        var old = await TestTagRule.SeedAsync(cell, workspace.Id, 12, daysAgo: 40);
        await TestTagRule.SeedAsync(cell, workspace.Id, 3, daysAgo: 5);
        using var api = workspace.Client();

        // The current policy (no body): the tag rule is off, so it would delete nothing.
        var current = await (await api.PostAsync(Route + "/dry_run", null)).JsonAsync();
        Assert.Equal("retention_dry_run", current.Str("type"));
        Assert.Equal(0, Rule(current, TestTagRule.Name).GetProperty("count").GetInt64());
        Assert.False(current.GetProperty("workspace_held").GetBoolean());

        var candidate = await (await api.PostJsonAsync(Route + "/dry_run", new { rules = new[] { new { subject = TestTagRule.Name, after_days = 30, enabled = true } } })).JsonAsync();
        var tag = Rule(candidate, TestTagRule.Name);
        Assert.Equal(12, tag.GetProperty("count").GetInt64());
        var sample = tag.GetProperty("sample_ids").EnumerateArray().Select(i => i.GetString()!).ToList();
        Assert.Equal(10, sample.Count);
        Assert.All(sample, id => Assert.Contains(id, old));
        // One day either side of the cutoff: 41 days keeps the 40-day-old tags, 39 takes them.
        Assert.Equal(0, Rule(await (await api.PostJsonAsync(Route + "/dry_run", new { rules = new[] { new { subject = TestTagRule.Name, after_days = 41, enabled = true } } })).JsonAsync(), TestTagRule.Name).GetProperty("count").GetInt64());
        Assert.Equal(12, Rule(await (await api.PostJsonAsync(Route + "/dry_run", new { rules = new[] { new { subject = TestTagRule.Name, after_days = 39, enabled = true } } })).JsonAsync(), TestTagRule.Name).GetProperty("count").GetInt64());
        Assert.Equal(15, Rule(await (await api.PostJsonAsync(Route + "/dry_run", new { rules = new[] { new { subject = TestTagRule.Name, after_days = 1, enabled = true } } })).JsonAsync(), TestTagRule.Name).GetProperty("count").GetInt64());

        // A candidate is validated like a PUT; nothing was saved or deleted.
        await (await api.PostJsonAsync(Route + "/dry_run", new { rules = new[] { new { subject = TestBuiltInRule.Name, after_days = 500 } } })).ErrorAsync(HttpStatusCode.BadRequest, "parameter_invalid");
        Assert.False(Rule(await (await api.GetAsync(Route)).JsonAsync(), TestTagRule.Name).GetProperty("enabled").GetBoolean());
        Assert.Equal(15, await TestTagRule.CountAsync(cell, workspace.Id));
    }

    /// <summary>A rule's own minimum bounds the period (the workspace rule's 120 days leave room for its 90-day warning).</summary>
    [Fact]
    public void RuleMinimum_RefusesAShorterPeriod()
    {
        var rules = new RetentionRules([new TestTagRule(), new MinimumRule()], Options.Create(new RetentionOptions()));
        var current = rules.Resolve([]);
        var error = Assert.Single(rules.Apply(current, [new RetentionRuleInput(MinimumRule.Name, 119, true)]).Errors);
        Assert.Contains("between 120 and 3650", error.Message, StringComparison.Ordinal);
        Assert.Empty(rules.Apply(current, [new RetentionRuleInput(MinimumRule.Name, 120, true)]).Errors);
        Assert.Empty(rules.Apply(current, [new RetentionRuleInput(TestTagRule.Name, 1, true)]).Errors);
    }

    private sealed class MinimumRule : IRetentionRule
    {
        public const string Name = "test_minimum";

        public string Subject => Name;

        public bool BuiltIn => false;

        public int DefaultAfterDays => 365;

        public int MinimumAfterDays => 120;

        public Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken) =>
            Task.FromResult(new RetentionPreview(0, []));

        public Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken) =>
            Task.FromResult<RetentionBatch?>(null);
    }

    /// <summary>The operator's default for a built-in rule replaces the rule's own, and bounds what a workspace may choose.</summary>
    [Fact]
    public void OperatorDefault_ReplacesTheBuiltInDefault_AndBoundsTheWorkspace()
    {
        var options = new RetentionOptions();
        options.BuiltInAfterDays[TestBuiltInRule.Name] = 50;
        var rules = new RetentionRules([new TestTagRule(), new TestBuiltInRule()], Options.Create(options));
        var current = rules.Resolve([]);
        Assert.Equal(50, current.Single(r => r.Subject == TestBuiltInRule.Name).AfterDays);
        Assert.Single(rules.Apply(current, [new RetentionRuleInput(TestBuiltInRule.Name, 60, true)]).Errors);
        Assert.Empty(rules.Apply(current, [new RetentionRuleInput(TestBuiltInRule.Name, 40, true)]).Errors);
        // A workspace that chose 80 before the operator lowered the default to 50 gets 50.
        var stored = new RetentionRuleSetting { WorkspaceId = "w", Subject = TestBuiltInRule.Name, AfterDays = 80, Enabled = true, UpdatedByType = "admin", UpdatedById = "t" };
        Assert.Equal(50, rules.Resolve([stored]).Single(r => r.Subject == TestBuiltInRule.Name).AfterDays);
    }

    internal static JsonElement Rule(JsonElement policy, string subject) =>
        policy.GetProperty("rules").EnumerateArray().Single(r => r.Str("subject") == subject);
}
