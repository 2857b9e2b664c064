using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Platform;

namespace Confide.Messaging.DataEvents;

/// <summary>
/// What an event's <c>metadata</c> may hold: a flat object of at most <see cref="MaxKeys"/> keys
/// (Intercom tracks 10; Confide refuses the eleventh rather than dropping it silently) whose
/// values are strings, numbers, booleans or null, or one level of object made of those
/// (Intercom's rich links <c>{"url","value"}</c> and amounts <c>{"amount","currency"}</c>).
/// Messages name the rule, never a value.
/// </summary>
internal static class DataEventMetadata
{
    public const int MaxKeys = 10;
    public const int MaxKeyLength = 255;
    public const int MaxStringLength = 1000;
    public const int MaxBytes = 10_000;

    /// <summary>The metadata as compact JSON, or null when none (absent, null or empty) was sent; a 400 when it breaks a rule.</summary>
    public static string? Normalise(JsonElement? metadata)
    {
        if (metadata is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("metadata must be an object");
        }

        var result = new JsonObject();
        foreach (var property in value.EnumerateObject())
        {
            if (result.Count == MaxKeys)
            {
                throw Invalid($"metadata can have at most {MaxKeys} keys");
            }

            result[property.Name] = Value(property.Name, property.Value, nested: false);
        }

        if (result.Count == 0)
        {
            return null;
        }

        var json = result.ToJsonString();
        if (Encoding.UTF8.GetByteCount(json) > MaxBytes)
        {
            throw Invalid($"metadata must be at most {MaxBytes} bytes of JSON");
        }

        return json;
    }

    private static JsonNode? Value(string key, JsonElement value, bool nested)
    {
        if (key.Length is 0 or > MaxKeyLength)
        {
            throw Invalid($"metadata keys must be 1 to {MaxKeyLength} characters");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.Length > MaxStringLength)
                {
                    throw Invalid($"metadata values must be at most {MaxStringLength} characters");
                }

                return JsonValue.Create(text);
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return JsonNode.Parse(value.GetRawText());
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Object when !nested:
                var inner = new JsonObject();
                foreach (var property in value.EnumerateObject())
                {
                    if (inner.Count == MaxKeys)
                    {
                        throw Invalid($"an object in metadata can have at most {MaxKeys} keys");
                    }

                    inner[property.Name] = Value(property.Name, property.Value, nested: true);
                }

                return inner;
            default:
                throw Invalid("metadata values must be strings, numbers, booleans or null, or an object of those (a rich link or an amount); arrays and deeper nesting are not supported");
        }
    }

    private static ConfideException Invalid(string message) => new(ConfideError.ParameterInvalid(message));
}
