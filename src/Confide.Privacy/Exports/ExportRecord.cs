using System.Text.Json;
using System.Text.Json.Nodes;

namespace Confide.Privacy.Exports;

/// <summary>
/// One stored record about the subject, opened: its id, the context a reader needs (times,
/// authors, which conversation), and its exported field values. The record appears under every
/// category its values belong to, with only that category's values.
/// </summary>
internal sealed record ExportRecord(Type Entity, string Id, IReadOnlyList<KeyValuePair<string, JsonNode?>> Context, IReadOnlyList<ExportValue> Values)
{
    public string EntityName => SubjectExportLayout.EntityName(Entity);

    public static ExportRecord Of(Type entity, string id, IReadOnlyList<KeyValuePair<string, JsonNode?>> context, params (string Property, JsonNode? Value)[] values) =>
        new(entity, id, context, [.. values.Select(v => new ExportValue(SubjectExportLayout.Field(entity, v.Property), v.Value))]);

    public static JsonNode? Time(DateTimeOffset? value) => value is { } t ? JsonValue.Create(t.ToUnixTimeSeconds()) : null;

    public static JsonNode? Text(string? value) => value is null ? null : JsonValue.Create(value);

    /// <summary>A stored JSON object (custom attributes) as a JSON value, not as a string.</summary>
    public static JsonNode? Json(string? value) => value is null ? null : JsonNode.Parse(value);

    public void WriteJson(Utf8JsonWriter writer, IEnumerable<ExportValue> values)
    {
        writer.WriteStartObject();
        writer.WriteString("id", Id);
        foreach (var (name, value) in Context)
        {
            writer.WritePropertyName(name);
            WriteNode(writer, value);
        }

        foreach (var value in values)
        {
            writer.WritePropertyName(value.Field.Name);
            WriteNode(writer, value.Value);
        }

        writer.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }
}

internal sealed record ExportValue(ExportedField Field, JsonNode? Value);

/// <summary>The records of one category and entity, in the order they were read.</summary>
internal sealed record CategoryGroup(string Category, string Entity, IReadOnlyList<(ExportRecord Record, IReadOnlyList<ExportValue> Values)> Records);

internal static class ExportGrouping
{
    /// <summary>Splits records by the declared category of each value; a record none of whose values in a category is set is left out of that category.</summary>
    public static IReadOnlyList<CategoryGroup> ByCategory(IEnumerable<ExportRecord> records)
    {
        var groups = new Dictionary<(string Category, string Entity), List<(ExportRecord, IReadOnlyList<ExportValue>)>>();
        var order = new List<(string, string)>();
        foreach (var record in records)
        {
            foreach (var byCategory in record.Values.GroupBy(v => v.Field.Category))
            {
                var values = byCategory.ToList();
                if (values.All(v => v.Value is null))
                {
                    continue;
                }

                var key = (byCategory.Key, record.EntityName);
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                    order.Add(key);
                }

                list.Add((record, values));
            }
        }

        return [.. order
            .OrderBy(k => Rank(k.Item1))
            .Select(k => new CategoryGroup(k.Item1, k.Item2, groups[k]))];
    }

    /// <summary>Position in <see cref="SubjectExportLayout.CategoryOrder"/>; a category not listed comes just before the streamed last one.</summary>
    public static int Rank(string category)
    {
        var index = SubjectExportLayout.CategoryOrder.ToList().IndexOf(category);
        return index < 0 ? SubjectExportLayout.CategoryOrder.Count - 1 : index * 2;
    }
}
