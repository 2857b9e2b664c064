using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity.Api;

/// <summary>
/// The workspace's security policy: who must use two-factor sign-in, the IP allowlist, and
/// whether teammates must sign in through the workspace's SSO connection (with an optional
/// break-glass owner). Each change is logged with before and after.
/// </summary>
internal static class SecuritySettingsEndpoints
{
    /// <param name="BreakGlassTeammateId">An owner's teammate id, or "" to name none.</param>
    internal sealed record SecuritySettingsInput(string? TwoFactorRequired, string[]? IpAllowlist, bool? RequireSso, string? BreakGlassTeammateId);

    internal sealed record SecuritySettingsView(string TwoFactorRequired, IReadOnlyList<string> IpAllowlist, bool RequireSso, string? BreakGlassTeammateId)
    {
        public string Type { get; } = "security_settings";

        public static SecuritySettingsView From(Workspace w) =>
            new(w.TwoFactorRequirement, Authorization.IpAllowlist.Ranges(w.IpAllowlist), w.RequireSso, w.BreakGlassTeammateId);
    }

    public static void MapSecuritySettingsEndpoints(this IEndpointRouteBuilder api)
    {
        var settings = api.MapGroup("/confide/security_settings").RequirePermission(Permissions.SecurityManage);
        settings.MapGet("", GetAsync);
        settings.MapPut("", UpdateAsync);
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var workspace = await db.Workspaces.FirstAsync(w => w.Id == caller.WorkspaceId, ct);
        return TypedResults.Ok(SecuritySettingsView.From(workspace));
    }

    /// <summary>Changes the settings given (absent ones stay); a list that would lock the caller out is refused.</summary>
    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, HttpContext http, SecuritySettingsInput input, CancellationToken ct)
    {
        if (input.TwoFactorRequired is { } required && !TwoFactorRequirements.IsValid(required))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("two_factor_required must be 'off', 'admins' or 'everyone'"));
        }

        var allowlist = input.IpAllowlist is { } ranges ? Authorization.IpAllowlist.Normalise(ranges) : null;
        if (input.IpAllowlist is not null && !Authorization.IpAllowlist.Allows(allowlist, http.Connection.RemoteIpAddress))
        {
            throw new ConfideException(ConfideError.Conflict("ip_allowlist must include the address you are calling from, or you would lock yourself out"));
        }

        if (input is { TwoFactorRequired: null, IpAllowlist: null, RequireSso: null, BreakGlassTeammateId: null })
        {
            throw new ConfideException(ConfideError.ParameterMissing("two_factor_required, ip_allowlist, require_sso or break_glass_teammate_id"));
        }

        var view = await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            var workspace = await db.Workspaces.FirstAsync(w => w.Id == caller.WorkspaceId, token);
            var before = SecuritySettingsView.From(workspace);
            workspace.TwoFactorRequirement = input.TwoFactorRequired ?? workspace.TwoFactorRequirement;
            workspace.IpAllowlist = input.IpAllowlist is null ? workspace.IpAllowlist : allowlist;
            await ApplySsoPolicyAsync(db, workspace, input, token);
            var after = SecuritySettingsView.From(workspace);
            if (before.TwoFactorRequired != after.TwoFactorRequired || !before.IpAllowlist.SequenceEqual(after.IpAllowlist)
                || before.RequireSso != after.RequireSso || before.BreakGlassTeammateId != after.BreakGlassTeammateId)
            {
                await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                    ActivityTypes.SecuritySettingsChange, caller.Actor, "The workspace's security settings were changed.",
                    new ActivityTarget("workspace", caller.WorkspaceId),
                    new JsonObject { ["before"] = Json(before), ["after"] = Json(after) }), token);
            }

            return after;
        }, ct);
        return TypedResults.Ok(view);
    }

    /// <summary>
    /// SSO can be required only once the workspace has an SSO connection, and only an owner can
    /// be the break-glass account (it must keep a way to repair the connection).
    /// </summary>
    private static async Task ApplySsoPolicyAsync(ConfideDbContext db, Workspace workspace, SecuritySettingsInput input, CancellationToken ct)
    {
        if (input.BreakGlassTeammateId is { } breakGlass)
        {
            if (breakGlass.Length > 0 && !await db.Teammates.AnyAsync(t => t.WorkspaceId == workspace.Id && t.Id == breakGlass && t.Role == TeammateRoles.Owner, ct))
            {
                throw new ConfideException(ConfideError.ParameterInvalid("break_glass_teammate_id must be the id of an owner of this workspace, or \"\" for none"));
            }

            workspace.BreakGlassTeammateId = breakGlass.Length > 0 ? breakGlass : null;
        }

        if (input.RequireSso == true && !await db.SsoConnections.AnyAsync(c => c.WorkspaceId == workspace.Id, ct))
        {
            throw new ConfideException(ConfideError.Conflict("require_sso needs an SSO connection: configure one with PUT /confide/sso_connection first"));
        }

        workspace.RequireSso = input.RequireSso ?? workspace.RequireSso;
    }

    private static JsonObject Json(SecuritySettingsView view) => new()
    {
        ["two_factor_required"] = view.TwoFactorRequired,
        ["ip_allowlist"] = new JsonArray([.. view.IpAllowlist.Select(r => JsonValue.Create(r))]),
        ["require_sso"] = view.RequireSso,
        ["break_glass_teammate_id"] = view.BreakGlassTeammateId,
    };
}
