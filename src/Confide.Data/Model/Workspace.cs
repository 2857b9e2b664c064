using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>A customer's workspace (Intercom's "app"). Lives in exactly one region for ever.</summary>
public sealed class Workspace
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Region { get; init; }

    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Name { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who must use two-factor sign-in (<see cref="TwoFactorRequirements"/>).</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string TwoFactorRequirement { get; set; } = TwoFactorRequirements.Off;

    /// <summary>Space-separated CIDR ranges teammates and API tokens may use the workspace from; null for anywhere.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? IpAllowlist { get; set; }

    /// <summary>Teammates must sign in through the workspace's <see cref="SsoConnection"/>; password sign-in is refused.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public bool RequireSso { get; set; }

    /// <summary>
    /// The one owner (teammate id) who may still sign in without SSO while it is required, so an
    /// identity-provider outage cannot lock the workspace out; that sign-in must use a passkey.
    /// </summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? BreakGlassTeammateId { get; set; }

    /// <summary>
    /// Space-separated sign-in methods whose sessions may use the workspace
    /// (<see cref="SignInMethodFamilies"/>); null for all of them.
    /// </summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public string? AllowedSignInMethods { get; set; }

    /// <summary>A stricter idle timeout for this workspace's pages than the server's; null for the server's.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public int? SessionIdleMinutes { get; set; }

    /// <summary>A shorter session lifetime for this workspace's pages than the server's; null for the server's.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public int? SessionAbsoluteHours { get; set; }

    /// <summary>When an owner scheduled the workspace's deletion; null when none is scheduled (docs/privacy-operations.md, "Deleting a workspace").</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? DeletionScheduledAt { get; set; }

    /// <summary>When the scheduled deletion's grace period ends and the deletion starts; null when none is scheduled.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? DeletionDueAt { get; set; }

    /// <summary>
    /// When the workspace's keys were destroyed: from then on no token, session or messenger
    /// reaches it, and its rows are being purged (the row itself goes last).
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>
    /// The last inactivity warning the owners were sent under the <c>workspace</c> retention rule,
    /// as days before the deletion (90, 30 or 7); null when none was sent for the current period
    /// (docs/retention.md, "Inactive workspaces").
    /// </summary>
    [DataCategory(DataCategories.SystemOperations)]
    public int? InactivityWarningStage { get; set; }

    /// <summary>The last activity the warnings counted from: newer activity starts a new period, and the warnings over.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? InactivityWarnedFor { get; set; }

    /// <summary>The deletion date the last warning announced; the workspace is never deleted before it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? InactivityDeletesAt { get; set; }
}

/// <summary>The sign-in methods a workspace can allow: a password (with or without a second factor), a passkey, single sign-on.</summary>
public static class SignInMethodFamilies
{
    public const string Password = "password";
    public const string Passkey = "passkey";
    public const string Sso = "sso";

    public static IReadOnlyList<string> All { get; } = [Password, Passkey, Sso];
}

public static class TwoFactorRequirements
{
    public const string Off = "off";

    /// <summary>Whoever can manage teammates or security settings (owners, admins).</summary>
    public const string Admins = "admins";

    public const string Everyone = "everyone";

    public static bool IsValid(string value) => value is Off or Admins or Everyone;
}
