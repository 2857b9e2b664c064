using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Data.Model;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// Intercom's <c>data_export</c>: the job's id, its status in Intercom's words, and, once there is a
/// file, where to download it and until when (Unix seconds, as a string, as Intercom's; <c>""</c>
/// before and after).
/// </summary>
public sealed record ContentExportView(
    string JobIdentifier,
    string Status,
    string DownloadUrl,
    string DownloadExpiresAt)
{
    public const string Pending = "pending";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string NoData = "no_data";
    public const string Failed = "failed";
    public const string Canceled = "canceled";

    /// <summary>Whether the file can be downloaded now; not part of Intercom's object.</summary>
    [JsonIgnore]
    public bool Downloadable => DownloadUrl.Length > 0;

    /// <summary>The job as Intercom shows it; <paramref name="downloadBase"/> is the API's origin (scheme, host, path base).</summary>
    internal static ContentExportView From(Job job, bool fileHeld, DateTimeOffset now, string downloadBase)
    {
        var checkpoint = job.Checkpoint is null ? null : JsonSerializer.Deserialize<ContentExportCheckpoint>(job.Checkpoint);
        var status = job.State switch
        {
            JobStates.Queued => Pending,
            JobStates.Running => InProgress,
            JobStates.Completed => checkpoint is { Rows: > 0 } ? Completed : NoData,
            JobStates.Cancelled => Canceled,
            _ => Failed,
        };
        var expiresAt = status == Completed ? checkpoint?.ExpiresAt : null;
        var downloadable = expiresAt is { } expiry && expiry > now.ToUnixTimeSeconds() && fileHeld;
        return new ContentExportView(
            job.Id,
            status,
            downloadable ? $"{downloadBase}{ContentExportEndpoints.DownloadRoute}/{job.Id}" : "",
            expiresAt?.ToString(CultureInfo.InvariantCulture) ?? "");
    }
}
