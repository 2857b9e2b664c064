using System.Net;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>A workspace's sign-in policy as the API and the settings page show it.</summary>
public sealed record SecurityPolicy(
    string TwoFactorRequired, IReadOnlyList<string> IpAllowlist, bool RequireSso, string? BreakGlassTeammateId, int? SessionIdleMinutes, int? SessionAbsoluteHours,
    IReadOnlyList<string> AllowedSignInMethods)
{
    public static SecurityPolicy From(Workspace w) =>
        new(w.TwoFactorRequirement, Authorization.IpAllowlist.Ranges(w.IpAllowlist), w.RequireSso, w.BreakGlassTeammateId, w.SessionIdleMinutes, w.SessionAbsoluteHours,
            w.AllowedSignInMethods?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [.. SignInMethodFamilies.All]);

    public JsonObject ToJson() => new()
    {
        ["two_factor_required"] = TwoFactorRequired,
        ["ip_allowlist"] = new JsonArray([.. IpAllowlist.Select(r => JsonValue.Create(r))]),
        ["require_sso"] = RequireSso,
        ["break_glass_teammate_id"] = BreakGlassTeammateId,
        ["session_idle_minutes"] = SessionIdleMinutes,
        ["session_absolute_hours"] = SessionAbsoluteHours,
        ["allowed_sign_in_methods"] = new JsonArray([.. AllowedSignInMethods.Select(m => JsonValue.Create(m))]),
    };

    public bool SameAs(SecurityPolicy other) =>
        TwoFactorRequired == other.TwoFactorRequired && IpAllowlist.SequenceEqual(other.IpAllowlist)
        && RequireSso == other.RequireSso && BreakGlassTeammateId == other.BreakGlassTeammateId
        && SessionIdleMinutes == other.SessionIdleMinutes && SessionAbsoluteHours == other.SessionAbsoluteHours
        && AllowedSignInMethods.SequenceEqual(other.AllowedSignInMethods);
}

/// <summary>
/// A change to some of the policy's settings; null ones stay. <paramref name="BreakGlassTeammateId"/>
/// "" names none; a session limit of 0 means the server's own.
/// </summary>
public sealed record SecurityPolicyChange(
    string? TwoFactorRequired = null, IReadOnlyList<string>? IpAllowlist = null, bool? RequireSso = null, string? BreakGlassTeammateId = null,
    int? SessionIdleMinutes = null, int? SessionAbsoluteHours = null, IReadOnlyList<string>? AllowedSignInMethods = null)
{
    public bool IsEmpty => this is
    {
        TwoFactorRequired: null, IpAllowlist: null, RequireSso: null, BreakGlassTeammateId: null, SessionIdleMinutes: null, SessionAbsoluteHours: null, AllowedSignInMethods: null,
    };
}

/// <summary>
/// Reads and changes a workspace's sign-in policy (two-factor requirement, IP allowlist,
/// require SSO with a break-glass owner), for the API and the settings page alike. A change is
/// logged with before and after in the same unit; invalid or self-locking changes are refused
/// with a <see cref="ConfideException"/>.
/// </summary>
public sealed class WorkspaceSecurityPolicy(ActivityLog log, Microsoft.Extensions.Options.IOptions<TeammateSessionOptions> serverSessions)
{
    public static async Task<SecurityPolicy> GetAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        return SecurityPolicy.From(await db.Workspaces.FirstAsync(w => w.Id == workspaceId, ct));
    }

    /// <param name="caller">The address of whoever asks: a list that would lock them out is refused.</param>
    public async Task<SecurityPolicy> ChangeAsync(CellDatabase cell, string workspaceId, SecurityPolicyChange change, ActivityActor actor, IPAddress? caller, CancellationToken ct)
    {
        if (change.IsEmpty)
        {
            throw new ConfideException(ConfideError.ParameterMissing(
                "two_factor_required, ip_allowlist, require_sso, break_glass_teammate_id, session_idle_minutes, session_absolute_hours or allowed_sign_in_methods"));
        }

        if (change.AllowedSignInMethods is { } methods
            && (methods.Count == 0 || methods.Any(m => !SignInMethodFamilies.All.Contains(m))))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("allowed_sign_in_methods must list one or more of 'password', 'passkey' and 'sso'"));
        }

        var server = serverSessions.Value;
        if (change.SessionIdleMinutes is { } idle && idle != 0 && (idle < TeammateSessionOptions.MinimumIdleMinutes || idle > server.IdleMinutes))
        {
            throw new ConfideException(ConfideError.ParameterInvalid(
                $"session_idle_minutes must be 0 (the server's {server.IdleMinutes}) or {TeammateSessionOptions.MinimumIdleMinutes} to {server.IdleMinutes}: a workspace can only shorten the server's limit"));
        }

        if (change.SessionAbsoluteHours is { } hours && hours != 0 && (hours < 1 || hours > server.AbsoluteHours))
        {
            throw new ConfideException(ConfideError.ParameterInvalid(
                $"session_absolute_hours must be 0 (the server's {server.AbsoluteHours}) or 1 to {server.AbsoluteHours}: a workspace can only shorten the server's limit"));
        }

        if (change.TwoFactorRequired is { } required && !TwoFactorRequirements.IsValid(required))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("two_factor_required must be 'off', 'admins' or 'everyone'"));
        }

        var allowlist = change.IpAllowlist is { } ranges ? Authorization.IpAllowlist.Normalise(ranges) : null;
        if (change.IpAllowlist is not null && !Authorization.IpAllowlist.Allows(allowlist, caller))
        {
            throw new ConfideException(ConfideError.Conflict("ip_allowlist must include the address you are calling from, or you would lock yourself out"));
        }

        return await cell.Writer.WriteAsync(async (db, token) =>
        {
            var workspace = await db.Workspaces.FirstAsync(w => w.Id == workspaceId, token);
            var before = SecurityPolicy.From(workspace);
            workspace.TwoFactorRequirement = change.TwoFactorRequired ?? workspace.TwoFactorRequirement;
            workspace.IpAllowlist = change.IpAllowlist is null ? workspace.IpAllowlist : allowlist;
            if (change.AllowedSignInMethods is { } allowed)
            {
                // In a fixed order, and null when every method is allowed (so new methods are not silently excluded).
                var normalised = SignInMethodFamilies.All.Where(allowed.Contains).ToList();
                workspace.AllowedSignInMethods = normalised.Count == SignInMethodFamilies.All.Count ? null : string.Join(' ', normalised);
            }

            await ApplySsoPolicyAsync(db, workspace, change, token);
            workspace.SessionIdleMinutes = change.SessionIdleMinutes is { } idleMinutes ? (idleMinutes == 0 ? null : idleMinutes) : workspace.SessionIdleMinutes;
            workspace.SessionAbsoluteHours = change.SessionAbsoluteHours is { } absoluteHours ? (absoluteHours == 0 ? null : absoluteHours) : workspace.SessionAbsoluteHours;
            var after = SecurityPolicy.From(workspace);
            if (!before.SameAs(after))
            {
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.SecuritySettingsChange, actor, "The workspace's security settings were changed.",
                    new ActivityTarget("workspace", workspaceId),
                    new JsonObject { ["before"] = before.ToJson(), ["after"] = after.ToJson() }), token);
            }

            return after;
        }, ct);
    }

    /// <summary>
    /// SSO can be required only once the workspace has an SSO connection, and only an owner can
    /// be the break-glass account (it must keep a way to repair the connection).
    /// </summary>
    private static async Task ApplySsoPolicyAsync(ConfideDbContext db, Workspace workspace, SecurityPolicyChange change, CancellationToken ct)
    {
        if (change.BreakGlassTeammateId is { } breakGlass)
        {
            if (breakGlass.Length > 0 && !await db.Teammates.AnyAsync(t => t.WorkspaceId == workspace.Id && t.Id == breakGlass && t.Role == TeammateRoles.Owner, ct))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("break_glass_teammate_id must be the id of an owner of this workspace, or \"\" for none"));
            }

            workspace.BreakGlassTeammateId = breakGlass.Length > 0 ? breakGlass : null;
        }

        if (change.RequireSso == true && !await db.SsoConnections.AnyAsync(c => c.WorkspaceId == workspace.Id, ct))
        {
            throw new ConfideException(ConfideError.Conflict("require_sso needs an SSO connection: configure one with PUT /confide/sso_connection first"));
        }

        workspace.RequireSso = change.RequireSso ?? workspace.RequireSso;
        var allowsSso = workspace.AllowedSignInMethods is not { } methods || methods.Split(' ').Contains(SignInMethodFamilies.Sso);
        if (workspace.RequireSso && !allowsSso)
        {
            throw new ConfideException(ConfideError.Conflict("allowed_sign_in_methods must include 'sso' while require_sso is on"));
        }

        if (workspace.AllowedSignInMethods == SignInMethodFamilies.Sso && !await db.SsoConnections.AnyAsync(c => c.WorkspaceId == workspace.Id, ct))
        {
            throw new ConfideException(ConfideError.Conflict("allowing only 'sso' needs an SSO connection: configure one with PUT /confide/sso_connection first"));
        }
    }
}
