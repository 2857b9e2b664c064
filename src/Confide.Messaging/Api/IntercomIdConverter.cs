using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Confide.Messaging.Api;

/// <summary>
/// Reads an id member that Intercom's description types as a string but Intercom itself also
/// takes as a JSON number (<c>"admin_id": 123</c>, <c>"assignee_id": 0</c>): a whole number is
/// read as its digits, exactly as written (no rounding, however long), so <c>0</c> and
/// <c>"0"</c> mean the same. Any other number, or another type, stays a 400.
/// </summary>
internal sealed class IntercomIdConverter : JsonConverter<string>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                try
                {
                    return reader.GetString();
                }
                catch (InvalidOperationException e)
                {
                    // Not valid Unicode (a lone surrogate, bytes that are not UTF-8): the edge's 400.
                    throw new JsonException("An id is not valid Unicode.", e);
                }

            case JsonTokenType.Number:
                var digits = reader.HasValueSequence ? Encoding.ASCII.GetString(reader.ValueSequence.ToArray()) : Encoding.ASCII.GetString(reader.ValueSpan);
                if (digits.Length is 0 or > 64 || !digits.All(char.IsAsciiDigit))
                {
                    throw new JsonException("A numeric id must be a whole number.");
                }

                return digits;
            default:
                throw new JsonException("An id must be a string or a whole number.");
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStringValue(value);
    }
}
