using System.Text.Json;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.DataAttributes;

/// <summary>
/// Checks custom attribute values against the workspace's definitions of a model, as Intercom
/// does: each value must have its attribute's type (and, for a list attribute, be one of its
/// options), and a name with no live definition is refused. A workspace that has defined no
/// attribute of the model yet accepts any flat value, as Confide always has (docs/api.md).
/// </summary>
internal sealed class DataAttributeSchema
{
    private static readonly long MinSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();

    private readonly string _model;
    private readonly Dictionary<string, DataAttribute> _byName;

    private DataAttributeSchema(string model, IEnumerable<DataAttribute> definitions)
    {
        _model = model;
        _byName = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    /// <summary>Checks the members of <paramref name="attributes"/> (when it is an object with members) against the model's definitions; a 400 <c>parameter_invalid</c> otherwise.</summary>
    public static async Task ValidateAsync(CellDatabase cell, string workspaceId, string model, JsonElement? attributes, CancellationToken cancellationToken)
    {
        if (attributes is not { ValueKind: JsonValueKind.Object } values || !values.EnumerateObject().Any())
        {
            return;
        }

        if (await LoadAsync(cell, workspaceId, model, cancellationToken) is { } schema)
        {
            schema.Validate(values);
        }
    }

    /// <summary>The model's definitions in the workspace, archived ones included; null when there are none.</summary>
    public static async Task<DataAttributeSchema?> LoadAsync(CellDatabase cell, string workspaceId, string model, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var definitions = await db.DataAttributes.Where(a => a.WorkspaceId == workspaceId && a.Model == model).ToListAsync(cancellationToken);
        return definitions.Count == 0 ? null : new DataAttributeSchema(model, definitions);
    }

    /// <summary>Whether the model has an attribute of this name (archived or not: its values stay, and can be searched).</summary>
    public bool Defines(string name) => _byName.ContainsKey(name);

    public void Validate(JsonElement attributes)
    {
        foreach (var property in attributes.EnumerateObject())
        {
            // Attribute names are the workspace's own configuration, so the messages may name them.
            var field = $"custom_attributes.{property.Name}";
            if (!_byName.TryGetValue(property.Name, out var definition))
            {
                throw Invalid($"{field} is not a {_model} data attribute of this workspace; create it first with POST /data_attributes");
            }

            if (definition.Archived)
            {
                throw Invalid($"{field} is archived and cannot be set");
            }

            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var matches = definition.DataType switch
            {
                DataAttributeTypes.StringType => value.ValueKind == JsonValueKind.String,
                DataAttributeTypes.IntegerType => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
                DataAttributeTypes.FloatType => value.ValueKind == JsonValueKind.Number,
                DataAttributeTypes.BooleanType => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                DataAttributeTypes.DateType => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds >= MinSeconds && seconds <= UnixSeconds.Max,
                _ => false,
            };
            if (!matches)
            {
                throw Invalid(definition.DataType == DataAttributeTypes.DateType
                    ? $"{field} must be a date (a Unix timestamp in seconds)"
                    : $"{field} must be of type {definition.DataType}");
            }

            if (definition.DataType == DataAttributeTypes.StringType && DataAttributeOptions.Read(definition.Options) is { Count: > 0 } options
                && !options.Contains(value.GetString()!, StringComparer.Ordinal))
            {
                throw Invalid($"{field} must be one of its list attribute's options");
            }
        }
    }

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
