using System.Buffers.Text;
using System.Text;
using Confide.Platform;

namespace Confide.Messaging.Api;

/// <summary>
/// Opaque <c>starting_after</c> cursors. Lists are ordered newest first by id (ids start with
/// their creation time), so a cursor is the last id of the previous page, wrapped so clients
/// do not build their own.
/// </summary>
internal static class Cursor
{
    public static string Encode(string lastId) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(lastId));

    /// <summary>Decodes a cursor; null input means the first page. Anything else invalid is a 400.</summary>
    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var id = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            if (PublicIds.IsEntityId(id))
            {
                return id;
            }
        }
        catch (FormatException)
        {
        }

        throw new ConfideException(ConfideError.ParameterInvalid("starting_after is not a valid cursor"));
    }
}

internal static class PageSize
{
    public const int Max = 150;

    public static int Resolve(int? perPage, int defaultSize) => perPage switch
    {
        null => defaultSize,
        < 1 or > Max => throw new ConfideException(ConfideError.ParameterInvalid($"per_page must be between 1 and {Max}")),
        _ => perPage.Value,
    };
}

/// <summary>The Intercom <c>pages</c> object of cursor-paginated lists.</summary>
internal sealed record PagesView(int PerPage, int TotalPages, PagesNextView? Next, int Page = 1)
{
    public string Type { get; } = "pages";

    public static PagesView For<T>(IReadOnlyList<T> page, int perPage, int totalCount, bool hasMore, Func<T, string> id) =>
        new(perPage, Math.Max(1, (int)Math.Ceiling(totalCount / (double)perPage)),
            hasMore && page.Count > 0 ? new PagesNextView(perPage, Cursor.Encode(id(page[^1]))) : null);
}

internal sealed record PagesNextView(int PerPage, string StartingAfter);
