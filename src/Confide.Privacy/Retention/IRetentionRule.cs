using Confide.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Privacy.Retention;

/// <summary>
/// One kind of retention rule (docs/retention.md): what it deletes (<see cref="Subject"/>), how to
/// preview it (dry run) and how to apply it in bounded batches. The scheduler
/// (<c>RetentionSweepJob</c>) runs every registered rule, for every workspace of a region, once a
/// day, with the workspace's setting of the rule (<see cref="RetentionScope.AfterDays"/>).
/// A rule never touches what a legal hold protects (<see cref="LegalHoldQueries"/>); the scheduler
/// skips a held workspace entirely.
/// </summary>
public interface IRetentionRule
{
    /// <summary>The rule's name in the API: <c>visitor</c>, <c>workspace</c>, <c>closed_conversation</c>, …</summary>
    string Subject { get; }

    /// <summary>A built-in rule is on in every workspace unless changed (the visitor and workspace rules).</summary>
    bool BuiltIn { get; }

    /// <summary>The default period in days: a built-in rule's setting, or the value offered for a workspace rule.</summary>
    int DefaultAfterDays { get; }

    /// <summary>The shortest period a workspace may choose (the workspace rule needs room for its 90-day warning).</summary>
    int MinimumAfterDays => 1;

    /// <summary>What the rule would delete now: the count and up to <paramref name="sampleSize"/> ids. Reads only.</summary>
    Task<RetentionPreview> PreviewAsync(RetentionScope scope, int sampleSize, CancellationToken cancellationToken);

    /// <summary>
    /// Reads (outside the writer) the next batch of at most <paramref name="batchSize"/> items to
    /// delete and returns it, or null when nothing is due any more. Work outside the database (a
    /// key's destruction, a mail) happens here, before the write, and must be safe to repeat; the
    /// batch's <see cref="RetentionBatch.Write"/> commits in the scheduler's step transaction, so it
    /// must be cheap and safe to repeat too. Called again until it returns null.
    /// </summary>
    Task<RetentionBatch?> NextBatchAsync(RetentionScope scope, int batchSize, CancellationToken cancellationToken);
}

/// <summary>Where and when a rule runs: one workspace of one cell, at <see cref="Now"/>, with the workspace's period.</summary>
public sealed record RetentionScope(CellDatabase Cell, string WorkspaceId, DateTimeOffset Now, int AfterDays)
{
    /// <summary>Anything older than this (in the rule's own sense: last seen, closed, written) is due.</summary>
    public DateTimeOffset Cutoff => Now.AddDays(-AfterDays);
}

/// <summary>A dry run's answer for one rule.</summary>
public sealed record RetentionPreview(long Count, IReadOnlyList<string> SampleIds);

/// <summary>One batch of a rule: how many items it deletes, and the write that deletes them (null when the work was outside the database).</summary>
public sealed record RetentionBatch(int Count, Func<ConfideDbContext, CancellationToken, Task>? Write);

public static class RetentionRuleRegistration
{
    /// <summary>Registers a rule kind; the scheduler, the policy API and the dry run find it from here.</summary>
    public static IServiceCollection AddRetentionRule<TRule>(this IServiceCollection services)
        where TRule : class, IRetentionRule
    {
        services.AddSingleton<IRetentionRule, TRule>();
        return services;
    }
}
