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

/// <summary>The workspace's roles: the built-in ones, and its own made of granular permissions (never more than their creator holds).</summary>
internal static class RoleEndpoints
{
    internal sealed record RoleInput(string? Name, string[]? Permissions);

    internal sealed record RoleView(string Id, string Name, bool BuiltIn, IReadOnlyList<string> Permissions)
    {
        public string Type { get; } = "role";
    }

    internal sealed record RoleListView(IReadOnlyList<RoleView> Roles)
    {
        public string Type { get; } = "role.list";
    }

    public static void MapRoleEndpoints(this IEndpointRouteBuilder api)
    {
        var roles = api.MapGroup("/confide/roles");
        roles.MapGet("", ListAsync).RequirePermission(Permissions.TeammatesRead);
        roles.MapPost("", CreateAsync).RequirePermission(Permissions.TeammatesManage);
        roles.MapDelete("/{id}", DeleteAsync).RequirePermission(Permissions.TeammatesManage);
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var custom = await db.WorkspaceRoles.Where(r => r.WorkspaceId == caller.WorkspaceId).OrderBy(r => r.Name).ToListAsync(ct);
        return TypedResults.Ok(new RoleListView(
        [
            .. BuiltInRoles.Names.Select(n => new RoleView(n, n, true, [.. BuiltInRoles.PermissionsOf(n).Order(StringComparer.Ordinal)])),
            .. custom.Select(r => new RoleView(r.Id, r.Name, false, [.. RolePermissions.Resolve(r.Id, r.Permissions).Order(StringComparer.Ordinal)])),
        ]));
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, TimeProvider time, RoleInput input, CancellationToken ct)
    {
        var name = input.Name?.Trim() ?? throw new ConfideException(ConfideError.ParameterMissing("name"));
        if (name.Length is 0 or > 255 || BuiltInRoles.IsBuiltIn(name))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("name must be 1 to 255 characters and not a built-in role's name"));
        }

        var permissions = input.Permissions ?? throw new ConfideException(ConfideError.ParameterMissing("permissions"));
        if (permissions.FirstOrDefault(p => !Permissions.IsKnown(p)) is { } unknown)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"Unknown permission '{unknown}'; docs/permissions.md lists them"));
        }

        if (permissions.FirstOrDefault(p => !caller.Permissions.Contains(p)) is { } beyond)
        {
            throw new ConfideException(ConfideError.Forbidden($"A role cannot carry '{beyond}', which you do not hold"));
        }

        var role = new WorkspaceRole
        {
            Id = PublicIds.NewEntityId(time),
            WorkspaceId = caller.WorkspaceId,
            Name = name,
            Permissions = TokenScopes.Format(permissions),
            CreatedAt = time.GetUtcNow(),
        };
        await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            if (await db.WorkspaceRoles.AnyAsync(r => r.WorkspaceId == caller.WorkspaceId && r.Name == name, token))
            {
                throw new ConfideException(ConfideError.Conflict("The workspace already has a role with that name"));
            }

            db.WorkspaceRoles.Add(role);
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.RoleCreation, caller.Actor, "A role was created.", new ActivityTarget("role", role.Id),
                new JsonObject { ["name"] = name, ["permissions"] = role.Permissions }), token);
        }, ct);
        return TypedResults.Ok(new RoleView(role.Id, role.Name, false, [.. TokenScopes.Parse(role.Permissions)]));
    }

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, string id, CancellationToken ct)
    {
        await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            var role = await db.WorkspaceRoles.FirstOrDefaultAsync(r => r.WorkspaceId == caller.WorkspaceId && r.Id == id, token)
                ?? throw new ConfideException(ConfideError.NotFound("Role"));
            if (await db.Teammates.AnyAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Role == id, token))
            {
                throw new ConfideException(ConfideError.Conflict("Teammates still have this role; give them another one first"));
            }

            if (await db.SsoConnections.AnyAsync(c => c.WorkspaceId == caller.WorkspaceId && c.DefaultRole == id, token))
            {
                throw new ConfideException(ConfideError.Conflict("The SSO connection gives this role to new teammates; change its default_role first"));
            }

            db.WorkspaceRoles.Remove(role);
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.RoleDeletion, caller.Actor, "A role was deleted.", new ActivityTarget("role", id),
                new JsonObject { ["name"] = role.Name, ["permissions"] = role.Permissions }), token);
        }, ct);
        return TypedResults.Ok(new { id, type = "role", deleted = true });
    }
}
