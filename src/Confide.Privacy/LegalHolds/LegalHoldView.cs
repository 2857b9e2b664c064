using Confide.Crypto;
using Confide.Data.Model;

namespace Confide.Privacy.LegalHolds;

/// <summary>The body of <c>POST /confide/legal_holds</c>.</summary>
/// <param name="TargetType"><c>contact</c>, <c>conversation</c> or <c>workspace</c>.</param>
/// <param name="TargetId">The contact's or conversation's id; for a workspace, the workspace's own id.</param>
/// <param name="Reason">Why the data is held (required, at most <see cref="LegalHoldCommands.MaxReasonLength"/> characters); sealed under the workspace's key.</param>
/// <param name="Until">Unix seconds, in the future; omitted: until released.</param>
public sealed record LegalHoldInput(string? TargetType, string? TargetId, string? Reason, long? Until);

/// <summary>Who set or released a hold: an activity actor's type (<c>admin</c>, <c>system</c>) and id.</summary>
public sealed record LegalHoldActorView(string Type, string Id);

/// <summary>
/// A legal hold as the API returns it. Times are Unix seconds. <see cref="Active"/> is true from its
/// creation until it is released or <see cref="Until"/> passes.
/// </summary>
public sealed record LegalHoldView(
    string Id,
    string TargetType,
    string TargetId,
    string Reason,
    LegalHoldActorView SetBy,
    long CreatedAt,
    long? Until,
    long? ReleasedAt,
    LegalHoldActorView? ReleasedBy,
    bool Active)
{
    public string Type { get; } = "legal_hold";

    public static LegalHoldView From(LegalHold hold, WorkforceCipher cipher, DateTimeOffset now) => new(
        hold.Id,
        hold.TargetType,
        hold.TargetId,
        hold.EncryptedReason is null ? "" : cipher.OpenLegalHoldReason(hold.Id, hold.EncryptedReason),
        new LegalHoldActorView(hold.SetByType, hold.SetById),
        hold.CreatedAt.ToUnixTimeSeconds(),
        hold.Until?.ToUnixTimeSeconds(),
        hold.ReleasedAt?.ToUnixTimeSeconds(),
        hold.ReleasedByType is { } type && hold.ReleasedById is { } id ? new LegalHoldActorView(type, id) : null,
        IsActive(hold, now));

    /// <summary>The same rule as <see cref="Confide.Data.LegalHoldQueries.ActiveHolds"/>, for one row in memory.</summary>
    public static bool IsActive(LegalHold hold, DateTimeOffset now) => hold.ReleasedAt is null && (hold.Until is null || hold.Until > now);
}

/// <summary>A page of holds, newest first, in Intercom's list shape.</summary>
public sealed record LegalHoldListView(IReadOnlyList<LegalHoldView> Data, int TotalCount, LegalHoldPagesView Pages)
{
    public string Type { get; } = "list";
}

/// <summary>Intercom's <c>pages</c> object.</summary>
public sealed record LegalHoldPagesView(int PerPage, int TotalPages, LegalHoldNextPageView? Next, int Page = 1)
{
    public string Type { get; } = "pages";
}

public sealed record LegalHoldNextPageView(int PerPage, string StartingAfter);
