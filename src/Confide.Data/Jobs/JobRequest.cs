namespace Confide.Data.Jobs;

/// <summary>
/// A job to enqueue. <see cref="Payload"/> and <see cref="DeduplicationKey"/> hold ids only, never
/// personal data in clear: job rows are listed to operators and outlive erasures.
/// </summary>
/// <param name="Kind">The handler's kind (<see cref="IJobHandler.Kind"/>).</param>
/// <param name="WorkspaceId">The workspace it works on; null for a cell-wide job.</param>
/// <param name="Payload">JSON for the handler, or null.</param>
/// <param name="DeduplicationKey">Names the logical job: a second enqueue with the same (workspace, kind, key) returns the first job.</param>
/// <param name="NotBefore">Not started before this instant (default: now).</param>
public sealed record JobRequest(string Kind, string? WorkspaceId = null, string? Payload = null, string? DeduplicationKey = null, DateTimeOffset? NotBefore = null);
