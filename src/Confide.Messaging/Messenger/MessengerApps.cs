using System.Net;
using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Messenger;

/// <summary>The messenger's app id is the workspace id; both the frame and the API start by checking it.</summary>
public static class MessengerApps
{
    // Every messenger call asks: compiled once. Null for no such workspace, else whether it was deleted.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, CancellationToken, Task<bool?>>> DeletedById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string workspaceId, CancellationToken ct) =>
            db.Workspaces.Where(w => w.Id == workspaceId).Select(w => (bool?)(w.DeletedAt != null)).FirstOrDefault()));

    /// <summary>The answer for a deleted workspace's messenger: gone, and nothing of it.</summary>
    public static ConfideError Deleted() => new(HttpStatusCode.Gone, "app_deleted", "This app has been deleted");

    /// <summary>The workspace of <paramref name="appId"/> in this cell.</summary>
    /// <exception cref="ConfideException">400 without an app id; 404 for none in this cell; 410 for a deleted one.</exception>
    public static async Task<string> RequireAsync(CellDatabase cell, string? appId, CancellationToken ct)
    {
        if (appId is not { Length: > 0 and <= 64 })
        {
            throw new ConfideException(ConfideError.ParameterMissing("app_id"));
        }

        await using var db = cell.CreateReadContext();
        return await DeletedById.For(db)(db, appId, ct) switch
        {
            null => throw new ConfideException(ConfideError.NotFound("App")),
            true => throw new ConfideException(Deleted()),
            false => appId,
        };
    }

    /// <summary>A messenger session's workspace must still exist: 410 once it was deleted (its row may already be purged).</summary>
    public static async Task EnsureLiveAsync(CellDatabase cell, string workspaceId, CancellationToken ct)
    {
        await using var db = cell.CreateReadContext();
        if (await DeletedById.For(db)(db, workspaceId, ct) is not false)
        {
            throw new ConfideException(Deleted());
        }
    }
}
