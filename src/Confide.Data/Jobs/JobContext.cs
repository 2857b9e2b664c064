namespace Confide.Data.Jobs;

/// <summary>What a step knows of its job: the payload, the last committed checkpoint and progress, and the cell it runs in.</summary>
public sealed record JobContext
{
    public required CellDatabase Cell { get; init; }

    public required string JobId { get; init; }

    public required string Kind { get; init; }

    public string? WorkspaceId { get; init; }

    /// <summary>The JSON given at enqueue (ids only).</summary>
    public string? Payload { get; init; }

    /// <summary>The checkpoint of the last committed step; null before the first.</summary>
    public string? Checkpoint { get; init; }

    public long ProgressDone { get; init; }

    public long? ProgressTotal { get; init; }

    /// <summary>1 on the first claim; more after a crash, a retry or a takeover (the step may be a repeat).</summary>
    public int Attempt { get; init; }
}
