namespace Confide.Data.Jobs;

/// <summary>
/// Runs the jobs of one <see cref="Kind"/>, one bounded step at a time. The runner calls
/// <see cref="RunStepAsync"/> with the job's last committed checkpoint, then commits the step's
/// result (its checkpoint, its progress and its <see cref="JobStepResult.Write"/>) in one
/// transaction, only if the runner still holds the job's lease.
/// <para>
/// A step must be idempotent: a crash, a lost lease or a retry can end it after it did its work
/// but before its result was committed, and the next runner repeats it from the previous
/// checkpoint. Database changes belong in <see cref="JobStepResult.Write"/>, which commits
/// exactly once with the checkpoint; anything else a step does (a file written, a blob deleted)
/// must be safe to do twice. Keep a step well inside the lease (<see cref="JobOptions.Lease"/>,
/// 30 s by default): a step that outlives it may be taken over, and its result is then refused.
/// </para>
/// Register a handler with <see cref="JobsServiceCollectionExtensions.AddJobHandler{T}"/>.
/// </summary>
public interface IJobHandler
{
    /// <summary>The job kind this handler runs, e.g. <c>privacy.export</c>; one handler per kind.</summary>
    string Kind { get; }

    /// <summary>
    /// Does the next bounded piece of the job described by <paramref name="context"/>. Cancelled
    /// when the process stops: the job is then handed back and resumes from the last checkpoint.
    /// </summary>
    Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken);

    /// <summary>
    /// How long the runner waits before the next step, given how long this one took (its run and
    /// its commit): a handler that must yield to live traffic paces itself here. None by default.
    /// </summary>
    TimeSpan PauseAfterStep(TimeSpan stepTook) => TimeSpan.Zero;
}
