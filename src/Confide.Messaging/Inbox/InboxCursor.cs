using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Confide.Messaging.Inbox;

/// <summary>
/// A position in the inbox list: the sort key of one row, its last update and its id. In a URL it
/// is opaque (base64url) and holds nothing about the contact or the messages. The time keeps every
/// tick: PostgreSQL stores microseconds, and a cursor rounded to milliseconds would skip or repeat
/// rows updated within the same millisecond.
/// </summary>
public readonly record struct InboxCursor(DateTimeOffset UpdatedAt, string ConversationId)
{
    /// <summary>Longer than any cursor this class writes: anything longer is refused unread.</summary>
    private const int MaxEncodedLength = 96;

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{UpdatedAt.UtcTicks}.{ConversationId}")));

    /// <summary>The cursor a query string carries; null for none or anything malformed (the first page, never an error).</summary>
    public static InboxCursor? Decode(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxEncodedLength)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[MaxEncodedLength];
        if (Base64Url.DecodeFromChars(value, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != value.Length)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes[..written]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && text[(dot + 1)..] is { Length: > 0 and <= 24 } id
            && id.All(char.IsAsciiLetterOrDigit)
                ? new InboxCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
    }
}
