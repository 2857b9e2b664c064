using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Messenger;

/// <summary>The messenger's app id is the workspace id; both the frame and the API start by checking it.</summary>
public static class MessengerApps
{
    /// <summary>The workspace of <paramref name="appId"/> in this cell.</summary>
    /// <exception cref="ConfideException">400 without an app id; 404 for none in this cell.</exception>
    public static async Task<string> RequireAsync(CellDatabase cell, string? appId, CancellationToken ct)
    {
        if (appId is not { Length: > 0 and <= 64 })
        {
            throw new ConfideException(ConfideError.ParameterMissing("app_id"));
        }

        await using var db = cell.CreateReadContext();
        return await db.Workspaces.AnyAsync(w => w.Id == appId, ct)
            ? appId
            : throw new ConfideException(ConfideError.NotFound("App"));
    }
}
