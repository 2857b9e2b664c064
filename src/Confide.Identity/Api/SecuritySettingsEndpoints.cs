using Confide.Data;
using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Confide.Identity.Api;

/// <summary>The workspace's sign-in policy over the API (<see cref="WorkspaceSecurityPolicy"/>).</summary>
internal static class SecuritySettingsEndpoints
{
    /// <param name="BreakGlassTeammateId">An owner's teammate id, or "" to name none.</param>
    /// <param name="SessionIdleMinutes">0 for the server's limit.</param>
    internal sealed record SecuritySettingsInput(
        string? TwoFactorRequired, string[]? IpAllowlist, bool? RequireSso, string? BreakGlassTeammateId, int? SessionIdleMinutes, int? SessionAbsoluteHours,
        string[]? AllowedSignInMethods);

    internal sealed record SecuritySettingsView(
        string TwoFactorRequired, IReadOnlyList<string> IpAllowlist, bool RequireSso, string? BreakGlassTeammateId, int? SessionIdleMinutes, int? SessionAbsoluteHours,
        IReadOnlyList<string> AllowedSignInMethods)
    {
        public string Type { get; } = "security_settings";

        public static SecuritySettingsView From(SecurityPolicy p) =>
            new(p.TwoFactorRequired, p.IpAllowlist, p.RequireSso, p.BreakGlassTeammateId, p.SessionIdleMinutes, p.SessionAbsoluteHours, p.AllowedSignInMethods);
    }

    public static void MapSecuritySettingsEndpoints(this IEndpointRouteBuilder api)
    {
        var settings = api.MapGroup("/confide/security_settings").RequirePermission(Permissions.SecurityManage);
        settings.MapGet("", GetAsync);
        settings.MapPut("", UpdateAsync);
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct) =>
        TypedResults.Ok(SecuritySettingsView.From(await WorkspaceSecurityPolicy.GetAsync(cell.Database, caller.WorkspaceId, ct)));

    /// <summary>Changes the settings given (absent ones stay).</summary>
    private static async Task<IResult> UpdateAsync(ApiCaller caller, CurrentCell cell, WorkspaceSecurityPolicy policy, HttpContext http, SecuritySettingsInput input, CancellationToken ct)
    {
        var change = new SecurityPolicyChange(input.TwoFactorRequired, input.IpAllowlist, input.RequireSso, input.BreakGlassTeammateId, input.SessionIdleMinutes, input.SessionAbsoluteHours, input.AllowedSignInMethods);
        var after = await policy.ChangeAsync(cell.Database, caller.WorkspaceId, change, caller.Actor, http.Connection.RemoteIpAddress, ct);
        return TypedResults.Ok(SecuritySettingsView.From(after));
    }
}
