using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Confide.Messaging.Messenger;

/// <summary>
/// The anonymous visitor's random id, kept in a cookie of the messenger's own origin: one per
/// workspace, HttpOnly, Secure, and Partitioned (CHIPS), so each website that embeds the
/// messenger gets its own visitor id and no site can track a visitor across sites through it.
/// It lives as long as visitor data is kept (9 months without activity).
/// </summary>
internal static class MessengerVisitorCookie
{
    private const int IdBytes = 16;
    private static readonly TimeSpan MaxAge = TimeSpan.FromDays(270);

    public static string Name(string workspaceId) => "confide_visitor_" + workspaceId;

    /// <summary>The visitor id this browser holds for the workspace, or a new one; the cookie is (re)set either way to slide its age.</summary>
    public static string Ensure(HttpContext http, string workspaceId)
    {
        var id = http.Request.Cookies[Name(workspaceId)];
        if (!IsWellFormed(id))
        {
            id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(IdBytes));
        }

        http.Response.Cookies.Append(Name(workspaceId), id!, Options());
        return id!;
    }

    /// <summary>Forgets the visitor: after a user identifies or signs out, the next anonymous visitor starts afresh.</summary>
    public static void Forget(HttpContext http, string workspaceId) =>
        http.Response.Cookies.Delete(Name(workspaceId), Options());

    private static bool IsWellFormed(string? id)
    {
        if (id is not { Length: 22 })
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[IdBytes + 2];
        return Base64Url.TryDecodeFromChars(id, bytes, out var written) && written == IdBytes;
    }

    private static CookieOptions Options()
    {
        var options = new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.None,
            Path = "/messenger",
            MaxAge = MaxAge,
            IsEssential = true,
        };
        options.Extensions.Add("Partitioned");
        return options;
    }
}
