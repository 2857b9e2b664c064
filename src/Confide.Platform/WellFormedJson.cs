using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Confide.Platform;

/// <summary>
/// JSON that System.Text.Json parses into a <see cref="JsonElement"/> but that fails later, when
/// read: an escaped lone surrogate (<c>"\ud800"</c>, which no .NET string holds), bytes inside a
/// string that are not UTF-8 (both throw <see cref="InvalidOperationException"/> when the string
/// or name is read), and an object naming a member twice (which <c>JsonObject</c> refuses with an
/// <see cref="ArgumentException"/>). These checks find them up front and report them as a
/// <see cref="JsonException"/>, the type the edge already answers with a 400.
/// </summary>
public static class WellFormedJson
{
    private const string NotUnicode = "A string in the JSON is not valid Unicode (invalid UTF-8 or a lone surrogate).";

    /// <summary>Throws <see cref="JsonException"/> if the value at <paramref name="reader"/> (a copy: the caller's position stays) holds such text.</summary>
    public static void Check(Utf8JsonReader reader)
    {
        var names = new Stack<HashSet<string>>();
        var depth = reader.CurrentDepth;
        do
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    names.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.EndObject:
                    names.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    if (!names.Peek().Add(Text(ref reader)))
                    {
                        throw new JsonException("An object in the JSON names a member twice.");
                    }

                    break;
                case JsonTokenType.String:
                    CheckString(ref reader);
                    break;
            }
        }
        while (reader.CurrentDepth > depth || reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray
            ? reader.Read()
            : false);
    }

    private static string Text(ref Utf8JsonReader reader)
    {
        CheckString(ref reader);
        return reader.GetString()!;
    }

    private static void CheckString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            // The reader does not validate the UTF-8 of strings it only skips over.
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            if (!Utf8.IsValid(raw))
            {
                throw new JsonException(NotUnicode);
            }

            return;
        }

        try
        {
            _ = reader.GetString();
        }
        catch (InvalidOperationException)
        {
            throw new JsonException(NotUnicode);
        }
    }
}

/// <summary>Binds <see cref="JsonElement"/> request members only when they are well-formed (<see cref="WellFormedJson"/>).</summary>
public sealed class WellFormedJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        WellFormedJson.Check(reader);
        return JsonElement.ParseValue(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);
}
