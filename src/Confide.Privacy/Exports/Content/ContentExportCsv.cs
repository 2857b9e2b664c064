using System.Globalization;
using System.Text;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// The CSV of a data export: Intercom's receipt columns in Intercom's order (the SDK's
/// <c>DataExportCsv</c>), one row per outbound message a contact received. <c>user_id</c> is
/// first and is always a contact id (hex, never quoted): erasure finds a contact's rows by it.
/// Fields are quoted when they hold a comma, a quote or a line break (RFC 4180). Text a contact or
/// a teammate wrote that a spreadsheet would run as a formula (starting with <c>= + - @</c>, a tab
/// or a carriage return) is prefixed with <c>'</c>, so opening the file runs nothing.
/// </summary>
internal static class ContentExportCsv
{
    public static IReadOnlyList<string> Columns { get; } =
    [
        "user_id", "user_external_id", "company_id", "email", "name", "ruleset_id", "content_id", "content_type", "content_title",
        "ruleset_version_id", "receipt_id", "received_at", "series_id", "series_title", "node_id", "first_reply", "first_completion",
        "first_series_completion", "first_series_disengagement", "first_series_exit", "first_goal_success", "first_open", "first_click",
        "first_dismisall", "first_unsubscribe", "first_hard_bounce",
    ];

    /// <summary>Intercom's value for "none" in <c>company_id</c> and <c>series_id</c>: Confide's messages are sent to a contact, never for a company or in a series.</summary>
    public const string None = "-1";

    public static string Header { get; } = string.Join(',', Columns) + "\n";

    /// <summary>One row; the untracked columns (versions, series nodes, opens, clicks, goals, bounces…) are empty.</summary>
    public static void WriteRow(TextWriter writer, ContentExportRow row)
    {
        string?[] values =
        [
            row.ContactId, Text(row.ExternalId), None, Text(row.Email), Text(row.Name), row.MessageId, row.MessageId, null, Text(row.Title),
            null, row.ConversationId, Seconds(row.ReceivedAt), None, null, null, Seconds(row.FirstReply), null,
            null, null, null, null, null, null,
            null, null, null,
        ];
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }

            writer.Write(Field(values[i]));
        }

        writer.Write('\n');
    }

    /// <summary>
    /// Reads CSV records as written by <see cref="WriteRow"/> (a quoted field may hold line breaks),
    /// each with its first field; the text of each record includes its line break.
    /// </summary>
    public static IEnumerable<(string FirstField, string Record)> Records(TextReader reader)
    {
        var record = new StringBuilder();
        var quoted = false;
        int next;
        while ((next = reader.Read()) >= 0)
        {
            var c = (char)next;
            record.Append(c);
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\n' && !quoted)
            {
                var text = record.ToString();
                record.Clear();
                var comma = text.IndexOf(',', StringComparison.Ordinal);
                yield return (comma < 0 ? text.TrimEnd('\n') : text[..comma], text);
            }
        }

        if (record.Length > 0)
        {
            throw new InvalidDataException("A data export segment ends inside a record.");
        }
    }

    /// <summary>Free text, neutralised against spreadsheet formulas (OWASP's CSV injection advice).</summary>
    internal static string? Text(string? value) =>
        value is { Length: > 0 } && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private static string? Seconds(DateTimeOffset? value) => value?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}

/// <summary>One outbound message as the export shows it; opened values, held only while a step writes them.</summary>
internal sealed record ContentExportRow(
    string ContactId, string? ExternalId, string? Email, string? Name, string MessageId, string? Title, string ConversationId, DateTimeOffset ReceivedAt, DateTimeOffset? FirstReply);
