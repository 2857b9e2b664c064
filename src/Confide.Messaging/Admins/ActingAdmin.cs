using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Admins;

/// <summary>
/// Whom an API caller may name as the author (<c>admin_id</c>) of a reply, a conversation part
/// or a note: themselves; and, with <c>teammates.manage</c>, another teammate of the workspace,
/// except that only an owner may name an owner (as only an owner may change an owner). Anyone
/// else is a 403: a token must not put words in a teammate's mouth. The activity-log entry
/// names the caller either way.
/// </summary>
internal static class ActingAdmin
{
    /// <summary>Refuses <paramref name="adminId"/> unless the caller may act for that teammate; an absent id is left to the command's own check.</summary>
    public static async Task EnsureAllowedAsync(ApiCaller caller, CellDatabase cell, string? adminId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(adminId) || adminId == caller.TeammateId)
        {
            return;
        }

        if (!caller.Permissions.Contains(Permissions.TeammatesManage))
        {
            throw new ConfideException(ConfideError.Forbidden("admin_id must be your own teammate id: acting for another teammate needs teammates.manage"));
        }

        await using var db = cell.CreateReadContext();
        var role = await db.Teammates.AsNoTracking()
            .Where(t => t.WorkspaceId == caller.WorkspaceId && t.Id == adminId)
            .Select(t => t.Role)
            .FirstOrDefaultAsync(ct)
            ?? throw new ConfideException(ConfideError.NotFound("Admin"));
        if (role == TeammateRoles.Owner && !caller.IsOwner)
        {
            throw new ConfideException(ConfideError.Forbidden("Only an owner may act for an owner"));
        }
    }
}
