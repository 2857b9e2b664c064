using System.Text.Json.Serialization;

namespace Confide.Platform;

/// <summary>The Intercom REST error shape: <c>{"type":"error.list","request_id":..,"errors":[{"code","message"}]}</c>.</summary>
public sealed record IntercomErrorBody(
    [property: JsonPropertyName("request_id")] string? RequestId,
    [property: JsonPropertyName("errors")] IReadOnlyList<IntercomErrorItem> Errors)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "error.list";

    public static IntercomErrorBody Of(string code, string message, string? requestId) =>
        new(requestId, [new IntercomErrorItem(code, message)]);
}

public sealed record IntercomErrorItem(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
