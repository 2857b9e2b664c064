using Confide.Platform;

namespace Confide.Messaging.Api;

/// <summary>Input checks shared by the endpoints; messages name the field, never its value.</summary>
internal static class Text
{
    public static string? Optional(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > maxLength)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"{field} must be at most {maxLength} characters"));
        }

        return trimmed.Length == 0 ? null : trimmed;
    }

    public static string Required(string? value, string field, int maxLength) =>
        Optional(value, field, maxLength) ?? throw new ConfideException(ConfideError.ParameterMissing(field));

    /// <summary>The start of a message for a list row: at most <paramref name="length"/> characters, then an ellipsis.</summary>
    public static string? Snippet(string? body, int length) =>
        body is null ? null : body.Length <= length ? body : string.Concat(body.AsSpan(0, length), "…");
}
