namespace Confide.Data.Jobs;

/// <summary>The outcome of one step: more to do (with a checkpoint), done, or failed for good.</summary>
public sealed record JobStepResult
{
    private JobStepResult()
    {
    }

    /// <summary>Opaque JSON the next step (in this process or after a restart) starts from. Ids only.</summary>
    public string? Checkpoint { get; private init; }

    public long ProgressDone { get; private init; }

    public long? ProgressTotal { get; private init; }

    /// <summary>True when the job is complete after this step.</summary>
    public bool Finished { get; private init; }

    /// <summary>A classified code (e.g. <c>export.subject_gone</c>) when the job cannot succeed; no data in it.</summary>
    public string? FailureCode { get; private init; }

    /// <summary>
    /// The step's database changes, run in the transaction that commits its checkpoint, after the
    /// lease check: they commit exactly once, or not at all if the job was taken over or cancelled.
    /// Runs inside the cell's writer: no I/O and nothing slow here.
    /// </summary>
    public Func<ConfideDbContext, CancellationToken, Task>? Write { get; private init; }

    /// <summary>The step is done and more remain; <paramref name="checkpoint"/> says where to go on.</summary>
    public static JobStepResult More(string checkpoint, long done, long? total = null, Func<ConfideDbContext, CancellationToken, Task>? write = null) =>
        new() { Checkpoint = checkpoint, ProgressDone = done, ProgressTotal = total, Write = write };

    /// <summary>The job is complete after this step.</summary>
    public static JobStepResult Completed(long done, long? total = null, Func<ConfideDbContext, CancellationToken, Task>? write = null, string? checkpoint = null) =>
        new() { Checkpoint = checkpoint, ProgressDone = done, ProgressTotal = total ?? done, Write = write, Finished = true };

    /// <summary>The job cannot succeed (retrying would not help): it ends failed with this code.</summary>
    public static JobStepResult Failed(string code) => new() { FailureCode = code };
}
