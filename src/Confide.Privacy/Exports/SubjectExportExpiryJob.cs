using System.Text.Json;
using Confide.Data.Jobs;

namespace Confide.Privacy.Exports;

/// <summary><c>privacy.export.expiry</c>: deletes an export's files when it expires; enqueued, delayed, by the export job's last step.</summary>
internal sealed class SubjectExportExpiryJob(SubjectExportFiles files) : IJobHandler
{
    public const string JobKind = "privacy.export.expiry";

    public string Kind => JobKind;

    public Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(context.Payload!);
        files.Delete(context.Cell.Region, payload.RootElement.GetProperty("export").GetString()!);
        return Task.FromResult(JobStepResult.Completed(1));
    }
}
