using System.Text.Json;
using System.Text.Json.Serialization;

namespace Confide.Platform;

/// <summary>
/// JSON may escape a lone surrogate (<c>"\ud800"</c>), which no .NET string can hold as text:
/// System.Text.Json parses it into a <see cref="JsonElement"/> and throws
/// <see cref="InvalidOperationException"/> only later, when the string or property name is read.
/// These checks find such text up front and report it as a <see cref="JsonException"/>, the
/// type the edge already answers with a 400.
/// </summary>
public static class WellFormedJson
{
    /// <summary>Throws <see cref="JsonException"/> if the value at <paramref name="reader"/> (a copy: the caller's position stays) holds a string or name that is not valid UTF-16.</summary>
    public static void Check(Utf8JsonReader reader)
    {
        CheckToken(ref reader);
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read())
        {
            CheckToken(ref reader);
            if (reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return;
            }
        }
    }

    private static void CheckToken(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
        {
            try
            {
                _ = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                throw new JsonException("A string in the JSON is not valid Unicode (a lone surrogate).");
            }
        }
    }
}

/// <summary>Binds <see cref="JsonElement"/> request members only when every string and name in them is valid Unicode (<see cref="WellFormedJson"/>).</summary>
public sealed class WellFormedJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        WellFormedJson.Check(reader);
        return JsonElement.ParseValue(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);
}
