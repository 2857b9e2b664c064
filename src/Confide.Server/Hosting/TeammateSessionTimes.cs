using Confide.Identity;

namespace Confide.Server.Hosting;

/// <summary>
/// When the request's session began and when it was last used before this request (to the
/// minute), as the cookie validation found them; read by the pages of workspaces with stricter
/// session limits than the server's.
/// </summary>
internal sealed record TeammateSessionTimes(DateTimeOffset SignedInAt, DateTimeOffset PreviouslySeenAt)
{
    private static readonly object Key = new();

    public static void Record(HttpContext http, DateTimeOffset signedInAt, DateTimeOffset previouslySeenAt) =>
        http.Items[Key] = new TeammateSessionTimes(signedInAt, previouslySeenAt);

    public static TeammateSessionTimes? Of(HttpContext http) => http.Items.TryGetValue(Key, out var times) ? times as TeammateSessionTimes : null;

    /// <summary>Whether the session has outlived <paramref name="membership"/>'s workspace limits (none: never, the server's own apply).</summary>
    public bool ExceedsLimitsOf(Membership membership, DateTimeOffset now) =>
        (membership.SessionAbsoluteHours is { } hours && now - SignedInAt > TimeSpan.FromHours(hours))
        || (membership.SessionIdleMinutes is { } minutes && now - PreviouslySeenAt > TimeSpan.FromMinutes(minutes));
}
