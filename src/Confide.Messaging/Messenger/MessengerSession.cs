using System.Net;
using System.Text.Json;
using Confide.Data;
using Confide.Platform;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Confide.Messaging.Messenger;

/// <summary>
/// Who a messenger session speaks for, fixed when it boots: an anonymous visitor (by the random
/// visitor id of their browser) or a verified user (by user id, or by email for a user hash
/// over an email). Never a claimed-but-unproven identity.
/// </summary>
public sealed record MessengerSession(string WorkspaceId, string? VisitorId, string? UserId, string? Email, string? Name)
{
    public bool IsVerifiedUser => VisitorId is null;
}

/// <summary>
/// Issues and reads the opaque session token the messenger frame sends with every call (header
/// <see cref="HeaderName"/>, never a URL or a cookie, so no other site can ride on it). It is
/// encrypted and authenticated with Data Protection and expires after <see cref="Lifetime"/>.
/// </summary>
public sealed class MessengerSessions(IDataProtectionProvider dataProtection)
{
    public const string HeaderName = "Confide-Messenger-Session";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    private readonly ITimeLimitedDataProtector _protector = dataProtection.CreateProtector("Confide.Messenger.Session.v1").ToTimeLimitedDataProtector();

    public string Issue(MessengerSession session) =>
        _protector.Protect(JsonSerializer.Serialize(session), Lifetime);

    /// <summary>The request's session, which must belong to a workspace of <paramref name="cell"/>'s region.</summary>
    /// <exception cref="ConfideException">401 when absent, tampered with or expired; 421 for another region's workspace.</exception>
    public MessengerSession Read(HttpRequest request, CellDatabase cell)
    {
        var token = request.Headers[HeaderName].ToString();
        MessengerSession? session = null;
        if (token.Length is > 0 and < 4096)
        {
            try
            {
                session = JsonSerializer.Deserialize<MessengerSession>(_protector.Unprotect(token));
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
            }
        }

        if (session is null)
        {
            throw new ConfideException(new ConfideError(HttpStatusCode.Unauthorized, "session_invalid", "The messenger session is missing or has expired; boot the messenger again"));
        }

        if (!PublicIds.TryGetWorkspaceRegion(session.WorkspaceId, out var region) || region != cell.Region)
        {
            throw new ConfideException(new ConfideError(HttpStatusCode.MisdirectedRequest, "region_mismatch", "This messenger session belongs to another region's endpoint"));
        }

        return session;
    }
}
