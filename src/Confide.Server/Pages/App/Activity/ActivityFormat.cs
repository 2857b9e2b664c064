using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Confide.Audit;

namespace Confide.Server.Pages.App.Activity;

/// <summary>How the page and the CSV show an entry's time and metadata.</summary>
public static class ActivityFormat
{
    // Compact, with letters of every script kept readable; the page and the CSV encode for their own context.
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static DateTimeOffset CreatedAt(ActivityEntry entry) => DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtMs);

    /// <summary>ISO 8601 in UTC with milliseconds, e.g. 2026-11-27T03:09:38.123Z.</summary>
    public static string Iso(ActivityEntry entry) =>
        CreatedAt(entry).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Display(ActivityEntry entry) =>
        CreatedAt(entry).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Metadata(ActivityEntry entry) => (entry.Metadata ?? []).ToJsonString(Compact);
}
