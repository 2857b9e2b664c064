using System.Text.Json;

namespace Confide.Server.Hosting.Idempotency;

/// <summary>
/// What is kept of a keyed write's answer: its status and the <c>type</c>, <c>id</c> and
/// <c>conversation_id</c> (of a message) of the object it answered, nothing else.
/// </summary>
internal readonly record struct IdempotentOutcome(int StatusCode, string? ObjectType, string? ObjectId, string? ConversationId)
{
    private const int MaxLength = 64;

    /// <summary>Of an endpoint's result, serialized as the response would be to read its top-level <c>type</c> and <c>id</c>.</summary>
    public static IdempotentOutcome Of(object? result, JsonSerializerOptions options)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        var value = result switch
        {
            IValueHttpResult valued => valued.Value,
            IResult => null,
            _ => result,
        };
        if (value is null)
        {
            return new(status, null, null, null);
        }

        var json = JsonSerializer.SerializeToElement(value, value.GetType(), options);
        return json.ValueKind == JsonValueKind.Object
            ? new(status, Member(json, "type"), Member(json, "id"), Member(json, "conversation_id"))
            : new(status, null, null, null);
    }

    private static string? Member(JsonElement json, string name) =>
        json.TryGetProperty(name, out var member) && member.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && member.ToString() is { Length: > 0 and <= MaxLength } text
            ? text
            : null;
}
