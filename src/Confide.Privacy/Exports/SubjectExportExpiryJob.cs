using System.Text.Json;
using Confide.Data.Jobs;

namespace Confide.Privacy.Exports;

/// <summary>
/// <c>privacy.export.expiry</c>: deletes an export's files when it expires; enqueued, delayed, by
/// the last step of a subject export and of a data export (both keep their files the same way).
/// </summary>
internal sealed class SubjectExportExpiryJob(SubjectExportFiles files) : IJobHandler
{
    public const string JobKind = "privacy.export.expiry";

    public string Kind => JobKind;

    /// <summary>The deletion of export <paramref name="exportId"/>'s files at <paramref name="at"/>; one per export.</summary>
    public static JobRequest Request(string workspaceId, string exportId, DateTimeOffset at) =>
        new(JobKind, workspaceId, Payload: $$"""{"export":"{{exportId}}"}""", DeduplicationKey: $"export-expiry:{exportId}", NotBefore: at);

    public Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(context.Payload!);
        files.Delete(context.Cell.Region, payload.RootElement.GetProperty("export").GetString()!);
        return Task.FromResult(JobStepResult.Completed(1));
    }
}
