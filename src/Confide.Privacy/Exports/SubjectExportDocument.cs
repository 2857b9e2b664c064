using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Platform;

namespace Confide.Privacy.Exports;

/// <summary>What the export's header says: ids and times only.</summary>
internal sealed record ExportHeader(string ExportId, string Region, string WorkspaceId, string ContactId, DateTimeOffset CreatedAt);

/// <summary>
/// Writes the two documents of an archive in pieces, so that conversation parts are streamed:
/// the head (everything but the parts, ending inside the parts list), then any number of part
/// pieces, then the tail. <c>subject.json</c>:
/// <code>{"format":"confide.subject_export/1","export_id":…,"categories":{"&lt;category&gt;":{"&lt;entity&gt;":[{"id":…,…}]},…,
///   "user.content.message":{"conversation":[…],"conversation_part":[…]}}}</code>
/// <c>index.html</c> shows the same, every value HTML-encoded, with no script and a
/// content-security policy that allows none.
/// </summary>
internal static class SubjectExportDocument
{
    public const string Format = "confide.subject_export/1";
    public const string PartsEntity = "conversation_part";
    public static readonly string PartsCategory = SubjectExportLayout.Field(typeof(Data.Model.ConversationPart), nameof(Data.Model.ConversationPart.EncryptedBody)).Category;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>JSON from the root to the opening of the parts list (left open).</summary>
    public static void WriteJsonHead(Stream output, ExportHeader header, IReadOnlyList<CategoryGroup> groups)
    {
        using var writer = new Utf8JsonWriter(output, JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("format", Format);
        writer.WriteString("export_id", header.ExportId);
        writer.WriteString("region", header.Region);
        writer.WriteString("workspace_id", header.WorkspaceId);
        writer.WriteString("contact_id", header.ContactId);
        writer.WriteNumber("created_at", header.CreatedAt.ToUnixTimeSeconds());
        writer.WriteStartObject("categories");
        string? open = null;
        foreach (var group in groups.Where(g => g.Category != PartsCategory).Concat(groups.Where(g => g.Category == PartsCategory)))
        {
            if (open != group.Category)
            {
                if (open is not null)
                {
                    writer.WriteEndObject();
                }

                writer.WriteStartObject(group.Category);
                open = group.Category;
            }

            writer.WriteStartArray(group.Entity);
            foreach (var (record, values) in group.Records)
            {
                record.WriteJson(writer, values);
            }

            writer.WriteEndArray();
        }

        if (open != PartsCategory)
        {
            if (open is not null)
            {
                writer.WriteEndObject();
            }

            writer.WriteStartObject(PartsCategory);
        }

        writer.WriteStartArray(PartsEntity);
        writer.Flush();
    }

    /// <summary>A piece of the parts list, as a JSON array; the archive copies what is between its brackets.</summary>
    public static void WriteJsonParts(Stream output, IEnumerable<ExportRecord> parts)
    {
        using var writer = new Utf8JsonWriter(output, JsonOptions);
        writer.WriteStartArray();
        foreach (var part in parts)
        {
            part.WriteJson(writer, part.Values);
        }

        writer.WriteEndArray();
    }

    public static readonly string ActivityCategory = SubjectExportLayout.Field(typeof(Data.Model.ActivityLogEntry), nameof(Data.Model.ActivityLogEntry.EncryptedEntry)).Category;

    /// <summary>Closes the parts list and its category, and opens the activity-log list.</summary>
    public static byte[] JsonBetweenPartsAndActivity => System.Text.Encoding.UTF8.GetBytes($"]}},\"{ActivityCategory}\":{{\"activity_log_entry\":[");

    public static ReadOnlySpan<byte> JsonTail => "]}}}"u8;

    public static void WriteHtmlHead(TextWriter html, ExportHeader header, IReadOnlyList<CategoryGroup> groups)
    {
        html.Write("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>Your data</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}pre{white-space:pre-wrap;margin:0}</style>
            </head><body>
            <h1>Your data</h1>
            """);
        html.Write($"<p>Export {E(header.ExportId)} of contact {E(header.ContactId)}, made {E(header.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture))}. The same data, machine-readable, is in subject.json.</p>\n");
        foreach (var byCategory in groups.GroupBy(g => g.Category))
        {
            html.Write($"<section><h2>{E(byCategory.Key)}</h2>\n");
            foreach (var group in byCategory)
            {
                html.Write($"<h3>{E(group.Entity)}</h3>\n");
                foreach (var (record, values) in group.Records)
                {
                    html.Write($"<table><tr><th>id</th><td>{E(record.Id)}</td></tr>");
                    foreach (var (name, value) in record.Context.Concat(values.Select(v => new KeyValuePair<string, JsonNode?>(v.Field.Name, v.Value))))
                    {
                        html.Write($"<tr><th>{E(name)}</th><td><pre>{E(Display(value))}</pre></td></tr>");
                    }

                    html.Write("</table><br>\n");
                }
            }

            html.Write("</section>\n");
        }

        html.Write($"<section><h2>{E(PartsCategory)}</h2><h3>{PartsEntity}</h3>\n<table><tr><th>conversation</th><th>#</th><th>time</th><th>author</th><th>type</th><th>message</th></tr>\n");
    }

    public static void WriteHtmlParts(TextWriter html, IEnumerable<ExportRecord> parts)
    {
        foreach (var part in parts)
        {
            var context = part.Context.ToDictionary(c => c.Key, c => Display(c.Value), StringComparer.Ordinal);
            var created = long.TryParse(context.GetValueOrDefault("created_at"), out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("u", System.Globalization.CultureInfo.InvariantCulture)
                : string.Empty;
            html.Write($"<tr><td>{E(context.GetValueOrDefault("conversation_id"))}</td><td>{E(context.GetValueOrDefault("sequence"))}</td><td>{E(created)}</td>"
                + $"<td>{E(context.GetValueOrDefault("author_type"))} {E(context.GetValueOrDefault("author_id"))}</td><td>{E(context.GetValueOrDefault("part_type"))}</td>"
                + $"<td><pre>{E(context.GetValueOrDefault("redacted") == "true" ? "(redacted)" : Display(part.Values.Count > 0 ? part.Values[0].Value : null))}</pre></td></tr>\n");
        }
    }

    public static string HtmlBetweenPartsAndActivity =>
        $"</table></section>\n<section><h2>{E(ActivityCategory)}</h2><h3>activity_log_entry</h3>\n<table><tr><th>#</th><th>time</th><th>type</th><th>what</th><th>details</th></tr>\n";

    public static void WriteHtmlActivity(TextWriter html, IEnumerable<ExportRecord> entries)
    {
        foreach (var entry in entries)
        {
            var context = entry.Context.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
            var created = context["created_at"] is JsonValue t && t.TryGetValue<long>(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("u", System.Globalization.CultureInfo.InvariantCulture)
                : string.Empty;
            html.Write($"<tr><td>{E(Display(context["sequence"]))}</td><td>{E(created)}</td><td>{E(Display(context["activity_type"]))}</td>"
                + $"<td>{E(Display(entry.Values.Count > 0 ? entry.Values[0].Value : null))}</td><td><pre>{E(Display(context["metadata"]))}</pre></td></tr>\n");
        }
    }

    public const string HtmlTail = "</table></section>\n</body></html>\n";

    private static string E(string? value) => HtmlEncoder.Default.Encode(value ?? string.Empty);

    private static string Display(JsonNode? value) => value switch
    {
        null => string.Empty,
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        _ => value.ToJsonString(),
    };
}
