using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention;

/// <summary>A candidate policy was refused; every reason, for an Intercom error list.</summary>
public sealed class RetentionPolicyRefusedException(IReadOnlyList<RetentionPolicyError> errors)
    : Exception("The retention policy was refused.")
{
    public IReadOnlyList<RetentionPolicyError> Errors { get; } = errors;
}

/// <summary>What one rule of a candidate policy would delete today.</summary>
public sealed record RetentionDryRunRule(RetentionRuleState Rule, long Count, IReadOnlyList<string> SampleIds)
{
    public JsonObject ToJson() => new()
    {
        ["subject"] = Rule.Subject,
        ["after_days"] = Rule.AfterDays,
        ["enabled"] = Rule.Enabled,
        ["built_in"] = Rule.BuiltIn,
        ["count"] = Count,
        ["sample_ids"] = new JsonArray([.. SampleIds.Select(id => (JsonNode?)id)]),
    };
}

/// <summary>
/// A workspace's retention policy, for the API and the settings page alike: read it, change it
/// (every change is a <c>retention_policy_change</c> activity entry with the rules before and
/// after) and preview what a candidate would delete today (the dry run).
/// </summary>
public sealed class RetentionPolicyCommands(RetentionRules rules, ActivityLog log, TimeProvider time)
{
    public const int SampleSize = 10;

    public Task<IReadOnlyList<RetentionRuleState>> ReadAsync(CellDatabase cell, string workspaceId, CancellationToken ct) =>
        rules.ReadAsync(cell, workspaceId, ct);

    /// <summary>Applies the rules named in <paramref name="input"/>; <see cref="RetentionPolicyRefusedException"/> when any is invalid (nothing is changed then).</summary>
    public async Task<IReadOnlyList<RetentionRuleState>> SaveAsync(CellDatabase cell, string workspaceId, IReadOnlyList<RetentionRuleInput>? input, ActivityActor actor, CancellationToken ct)
    {
        // Validated before the writer, and again inside it against the rows it changes.
        var (_, errors) = rules.Apply(await rules.ReadAsync(cell, workspaceId, ct), input);
        if (errors.Count > 0)
        {
            throw new RetentionPolicyRefusedException(errors);
        }

        return await cell.Writer.WriteAsync(async (db, token) =>
        {
            var settings = await db.RetentionRuleSettings.Where(s => s.WorkspaceId == workspaceId).ToListAsync(token);
            var before = rules.Resolve(settings);
            var (after, refused) = rules.Apply(before, input);
            if (refused.Count > 0)
            {
                throw new RetentionPolicyRefusedException(refused);
            }

            var now = time.GetUtcNow();
            var changed = after.Where(a => before.Single(b => b.Subject == a.Subject) is var b && (b.AfterDays, b.Enabled) != (a.AfterDays, a.Enabled)).ToList();
            if (changed.Count == 0)
            {
                return before;
            }

            foreach (var rule in changed)
            {
                var row = settings.FirstOrDefault(s => s.Subject == rule.Subject);
                if (row is null)
                {
                    row = new RetentionRuleSetting { WorkspaceId = workspaceId, Subject = rule.Subject, UpdatedByType = actor.Type, UpdatedById = actor.Id };
                    db.RetentionRuleSettings.Add(row);
                }

                row.AfterDays = rule.AfterDays;
                row.Enabled = rule.Enabled;
                row.UpdatedAt = now;
                row.UpdatedByType = actor.Type;
                row.UpdatedById = actor.Id;
            }

            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.RetentionPolicyChange, actor,
                $"The retention policy was changed: {string.Join(", ", changed.Select(Describe))}.",
                new ActivityTarget("workspace", workspaceId),
                new JsonObject
                {
                    ["before"] = new JsonArray([.. changed.Select(c => (JsonNode)Short(before.Single(b => b.Subject == c.Subject)))]),
                    ["after"] = new JsonArray([.. changed.Select(c => (JsonNode)Short(c))]),
                }), token);
            return (IReadOnlyList<RetentionRuleState>)[.. after.Select(a => changed.Any(c => c.Subject == a.Subject) ? a with { UpdatedAt = now } : a)];
        }, ct);
    }

    /// <summary>What the candidate policy (the current one when <paramref name="input"/> is null) would delete today, per rule; a disabled rule would delete nothing.</summary>
    public async Task<(IReadOnlyList<RetentionDryRunRule> Rules, bool WorkspaceHeld)> DryRunAsync(CellDatabase cell, string workspaceId, IReadOnlyList<RetentionRuleInput>? input, CancellationToken ct)
    {
        var (candidate, errors) = rules.Apply(await rules.ReadAsync(cell, workspaceId, ct), input);
        if (errors.Count > 0)
        {
            throw new RetentionPolicyRefusedException(errors);
        }

        var now = time.GetUtcNow();
        bool held;
        await using (var db = cell.CreateReadContext())
        {
            held = await db.IsWorkspaceHeldAsync(workspaceId, now, ct);
        }

        var results = new List<RetentionDryRunRule>();
        foreach (var state in candidate)
        {
            if (!state.Enabled || rules.Find(state.Subject) is not { } rule)
            {
                results.Add(new RetentionDryRunRule(state, 0, []));
                continue;
            }

            var preview = await rule.PreviewAsync(new RetentionScope(cell, workspaceId, now, state.AfterDays), SampleSize, ct);
            results.Add(new RetentionDryRunRule(state, preview.Count, [.. preview.SampleIds.Take(SampleSize)]));
        }

        return (results, held);
    }

    private static string Describe(RetentionRuleState rule) =>
        rule.Enabled ? $"{rule.Subject} after {rule.AfterDays} days" : $"{rule.Subject} off";

    private static JsonObject Short(RetentionRuleState rule) => new()
    {
        ["subject"] = rule.Subject,
        ["after_days"] = rule.AfterDays,
        ["enabled"] = rule.Enabled,
    };
}
