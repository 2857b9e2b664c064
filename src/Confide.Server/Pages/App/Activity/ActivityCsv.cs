using System.Globalization;
using System.Text;
using Confide.Audit;

namespace Confide.Server.Pages.App.Activity;

/// <summary>
/// The CSV view of log entries (RFC 4180: CRLF line ends, fields quoted when they hold a comma,
/// quote or line break). Spreadsheets run cells that start with a formula character, so such
/// cells get a leading apostrophe (OWASP's CSV injection advice).
/// </summary>
internal static class ActivityCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly string[] Header =
    [
        "created_at", "sequence", "id", "activity_type", "actor_type", "actor_id", "actor_email", "actor_ip", "actor_token_id",
        "performed_via", "target_type", "target_id", "description", "metadata",
    ];

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static async Task WriteAsync(IAsyncEnumerable<ActivityLogItem> items, Stream output, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, Utf8, bufferSize: 16 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        // A byte-order mark, so spreadsheet programs read the file as UTF-8.
        await writer.WriteAsync('\uFEFF');
        await writer.WriteLineAsync(Line(Header));
        await foreach (var item in items.WithCancellation(ct))
        {
            var e = item.Entry;
            await writer.WriteLineAsync(Line(
            [
                ActivityFormat.Iso(e), e.Sequence.ToString(CultureInfo.InvariantCulture), e.Id, e.ActivityType,
                e.PerformedBy.Type, e.PerformedBy.Id, e.PerformedBy.Email, e.PerformedBy.Ip, e.PerformedBy.TokenId,
                e.PerformedVia, e.Target?.Type, e.Target?.Id, e.Description, ActivityFormat.Metadata(e),
            ]));
        }
    }

    public static string Line(IEnumerable<string?> fields) => string.Join(',', fields.Select(Field));

    /// <summary>One field, neutralised and quoted as needed; null is an empty field.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }
}
