using System.Text.Json.Nodes;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Retention;

/// <summary>One rule as a workspace has it: its period, whether it runs, and what it would be by default.</summary>
public sealed record RetentionRuleState(string Subject, int AfterDays, bool Enabled, bool BuiltIn, int DefaultAfterDays, DateTimeOffset? UpdatedAt)
{
    public string? Description => RetentionRules.Describe(Subject);

    public JsonObject ToJson() => new()
    {
        ["subject"] = Subject,
        ["after_days"] = AfterDays,
        ["enabled"] = Enabled,
        ["built_in"] = BuiltIn,
        ["default_after_days"] = DefaultAfterDays,
        ["description"] = Description,
        ["updated_at"] = UpdatedAt?.ToUnixTimeSeconds(),
    };
}

/// <summary>One rule of a candidate policy (a PUT or a dry run), as sent.</summary>
public sealed record RetentionRuleInput(string? Subject, int? AfterDays, bool? Enabled);

/// <summary>
/// The registered rules (<see cref="IRetentionRule"/>) with the operator's defaults applied: the
/// one place that says which subjects exist, which are built in and what their defaults are.
/// </summary>
public sealed class RetentionRules(IEnumerable<IRetentionRule> rules, IOptions<RetentionOptions> options)
{
    public const int MinAfterDays = 1;
    public const int MaxAfterDays = 3650;

    private readonly IReadOnlyList<IRetentionRule> _rules = [.. rules.OrderBy(r => r.BuiltIn ? 0 : 1).ThenBy(r => r.Subject, StringComparer.Ordinal)];

    /// <summary>Built-in rules first, then the others by subject.</summary>
    public IReadOnlyList<IRetentionRule> All => _rules;

    public IRetentionRule? Find(string subject) => _rules.FirstOrDefault(r => r.Subject == subject);

    /// <summary>The default period: the operator's for a built-in rule when configured, else the rule's own.</summary>
    public int DefaultAfterDays(IRetentionRule rule) =>
        rule.BuiltIn && options.Value.BuiltInAfterDays.TryGetValue(rule.Subject, out var days) ? days : rule.DefaultAfterDays;

    /// <summary>A line for the settings page and the API, for the subjects Confide knows.</summary>
    public static string? Describe(string subject) => subject switch
    {
        "visitor" => "Visitors (anonymous messenger users) not seen for this long are erased with everything about them.",
        "workspace" => "A workspace with no teammate sign-in, API call or conversation for this long is deleted; its owners are warned 90, 30 and 7 days ahead.",
        "closed_conversation" => "Conversations closed this long ago are deleted.",
        "conversation_part" => "Messages older than this are deleted; the thread keeps a marker that earlier messages were removed.",
        "lead" => "Leads never converted to users, created and last seen longer ago than this, are erased.",
        "note" => "Notes on contacts are deleted this long after they were written.",
        _ => null,
    };

    /// <summary>The workspace's policy: every registered rule, with the workspace's setting or the default.</summary>
    public async Task<IReadOnlyList<RetentionRuleState>> ReadAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        var settings = await db.RetentionRuleSettings.AsNoTracking().Where(s => s.WorkspaceId == workspaceId).ToListAsync(ct);
        return Resolve(settings);
    }

    internal IReadOnlyList<RetentionRuleState> Resolve(IReadOnlyCollection<RetentionRuleSetting> settings) =>
    [
        .. _rules.Select(rule =>
        {
            var setting = settings.FirstOrDefault(s => s.Subject == rule.Subject);
            var defaultDays = DefaultAfterDays(rule);
            if (setting is null)
            {
                return new RetentionRuleState(rule.Subject, defaultDays, rule.BuiltIn, rule.BuiltIn, defaultDays, null);
            }

            // An operator may have shortened a built-in default since the workspace chose its period: the shorter one holds.
            var days = rule.BuiltIn ? Math.Min(setting.AfterDays, defaultDays) : setting.AfterDays;
            return new RetentionRuleState(rule.Subject, days, rule.BuiltIn || setting.Enabled, rule.BuiltIn, defaultDays, setting.UpdatedAt);
        }),
    ];

    /// <summary>
    /// Applies <paramref name="input"/> to <paramref name="current"/>: the rules it names change,
    /// the others stay. The errors (all of them, not the first) when it is not a valid policy.
    /// </summary>
    public (IReadOnlyList<RetentionRuleState> Policy, IReadOnlyList<RetentionPolicyError> Errors) Apply(IReadOnlyList<RetentionRuleState> current, IReadOnlyList<RetentionRuleInput>? input)
    {
        var errors = new List<RetentionPolicyError>();
        if (input is null)
        {
            return (current, errors);
        }

        var result = current.ToDictionary(r => r.Subject, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < input.Count; i++)
        {
            var item = input[i];
            if (item is null || string.IsNullOrEmpty(item.Subject))
            {
                errors.Add(new("parameter_not_found", $"rules[{i}].subject is required"));
                continue;
            }

            var rule = Find(item.Subject);
            if (rule is null)
            {
                // The subject is echoed only when it is one of ours in form: it is the caller's own input, but keep errors short.
                errors.Add(new("parameter_invalid", $"rules[{i}].subject is not a known retention rule; known: {string.Join(", ", _rules.Select(r => r.Subject))}"));
                continue;
            }

            if (!seen.Add(rule.Subject))
            {
                errors.Add(new("parameter_invalid", $"rules[{i}]: the rule {rule.Subject} appears more than once"));
                continue;
            }

            var was = result[rule.Subject];
            var days = item.AfterDays ?? was.AfterDays;
            var enabled = item.Enabled ?? was.Enabled;
            var minimum = Math.Max(MinAfterDays, rule.MinimumAfterDays);
            if (days < minimum || days > MaxAfterDays)
            {
                errors.Add(new("parameter_invalid", $"rules[{i}].after_days must be between {minimum} and {MaxAfterDays} for {rule.Subject}"));
                continue;
            }

            if (rule.BuiltIn && !enabled)
            {
                errors.Add(new("parameter_invalid", $"rules[{i}]: {rule.Subject} is a built-in rule and cannot be disabled: it is Confide's promise that such data is not kept for ever; shorten its period instead"));
                continue;
            }

            var defaultDays = was.DefaultAfterDays;
            if (rule.BuiltIn && days > defaultDays)
            {
                errors.Add(new("parameter_invalid", $"rules[{i}]: {rule.Subject} is a built-in rule; its period can be shortened but not made longer than {defaultDays} days"));
                continue;
            }

            result[rule.Subject] = was with { AfterDays = days, Enabled = enabled };
        }

        return ([.. current.Select(r => result[r.Subject])], errors);
    }
}

/// <summary>One reason a candidate policy is refused, as an Intercom error item.</summary>
public sealed record RetentionPolicyError(string Code, string Message);
