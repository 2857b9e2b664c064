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

/// <summary>The workspace's security policy: who must use two-factor sign-in. Each change is logged with before and after.</summary>
internal static class SecuritySettingsEndpoints
{
    internal sealed record SecuritySettingsInput(string? TwoFactorRequired);

    internal sealed record SecuritySettingsView(string TwoFactorRequired)
    {
        public string Type { get; } = "security_settings";
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
        return TypedResults.Ok(new SecuritySettingsView(workspace.TwoFactorRequirement));
    }

    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, SecuritySettingsInput input, CancellationToken ct)
    {
        if (input.TwoFactorRequired is not { } required || !TwoFactorRequirements.IsValid(required))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("two_factor_required must be 'off', 'admins' or 'everyone'"));
        }

        await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            var workspace = await db.Workspaces.FirstAsync(w => w.Id == caller.WorkspaceId, token);
            var before = workspace.TwoFactorRequirement;
            if (before == required)
            {
                return;
            }

            workspace.TwoFactorRequirement = required;
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SecuritySettingsChange, caller.Actor, "The workspace's two-factor sign-in requirement was changed.",
                new ActivityTarget("workspace", caller.WorkspaceId),
                new JsonObject { ["before"] = new JsonObject { ["two_factor_required"] = before }, ["after"] = new JsonObject { ["two_factor_required"] = required } }), token);
        }, ct);
        return TypedResults.Ok(new SecuritySettingsView(required));
    }
}
