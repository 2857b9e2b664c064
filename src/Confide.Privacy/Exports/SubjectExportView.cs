using System.Text.Json;
using Confide.Data.Jobs;
using Confide.Data.Model;

namespace Confide.Privacy.Exports;

/// <summary>
/// An export as the API returns it: its job's state and progress, and when its archive expires.
/// <c>state</c> is the job's (<c>queued</c>, <c>running</c>, <c>completed</c>, <c>failed</c>,
/// <c>cancelled</c>) or <c>expired</c> once the archive was deleted. Times are Unix seconds.
/// </summary>
public sealed record SubjectExportView(
    string Id,
    string WorkspaceId,
    string PrivacyRequestId,
    string ContactId,
    string State,
    long ProgressDone,
    long? ProgressTotal,
    string? Error,
    long CreatedAt,
    long? CompletedAt,
    long? ExpiresAt)
{
    public const string Expired = "expired";

    public string Type { get; } = "subject_export";

    internal static SubjectExportView From(Job job, DateTimeOffset now)
    {
        var payload = JsonSerializer.Deserialize<SubjectExportPayload>(job.Payload!)!;
        var checkpoint = job.Checkpoint is null ? null : JsonSerializer.Deserialize<SubjectExportCheckpoint>(job.Checkpoint);
        var expiresAt = job.State == JobStates.Completed ? checkpoint?.ExpiresAt : null;
        var state = expiresAt is { } expiry && expiry <= now.ToUnixTimeSeconds() ? Expired : job.State;
        return new SubjectExportView(
            job.Id, job.WorkspaceId!, payload.RequestId, payload.ContactId, state, job.ProgressDone, job.ProgressTotal,
            job.State == JobStates.Failed ? job.LastError : null,
            job.CreatedAt.ToUnixTimeSeconds(), job.CompletedAt?.ToUnixTimeSeconds(), expiresAt);
    }
}

/// <summary>A download link: a path with a token that works until <see cref="ExpiresAt"/>.</summary>
public sealed record SubjectExportLinkView(string ExportId, string Url, long ExpiresAt)
{
    public string Type { get; } = "subject_export_link";
}
