using System.Buffers.Text;
using System.Security.Cryptography;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Confide.Identity.Sessions;

/// <summary>
/// Teammate web sessions on the server (<see cref="TeammateSession"/>): begun at sign-in, looked up
/// on every request that carries a session cookie (one primary-key read), ended by signing out,
/// by "Sign out everywhere" and by changes to how the account signs in.
/// </summary>
public sealed class TeammateSessions(CurrentCell cell, TimeProvider time, IOptions<TeammateSessionOptions> options, SessionBookkeepingLog failures)
{
    // Runs on every signed-in request: compiled once rather than translated per call.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, CancellationToken, Task<SessionState?>>> StateById = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string id, CancellationToken ct) =>
            db.TeammateSessions.AsNoTracking()
                .Where(s => s.Id == id)
                .Select(s => new SessionState(s.AccountId, s.EndedAt))
                .FirstOrDefault()));

    /// <summary>Begins a session of <paramref name="accountId"/>; returns its id for the cookie.</summary>
    public async Task<string> BeginAsync(string accountId, CancellationToken ct)
    {
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var now = time.GetUtcNow();
        var outlived = now - TimeSpan.FromHours(options.Value.AbsoluteHours);
        await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            // The account's sessions past their absolute lifetime cannot be used any more: purge them as we go.
            await db.TeammateSessions.Where(s => s.AccountId == accountId && s.CreatedAt < outlived).ExecuteDeleteAsync(token);
            db.TeammateSessions.Add(new TeammateSession { Id = id, AccountId = accountId, CreatedAt = now, LastSeenAt = now });
        }, ct);
        return id;
    }

    /// <summary>Whether the session exists, belongs to <paramref name="accountId"/> and has not ended.</summary>
    public async Task<bool> IsLiveAsync(string sessionId, string accountId, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var state = await StateById.For(db)(db, sessionId, ct);
        return state is { EndedAt: null } && state.AccountId == accountId;
    }

    /// <summary>Ends one session (signing out).</summary>
    public Task EndAsync(string sessionId, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return cell.Database.Writer.WriteAsync(async (db, token) =>
            await db.TeammateSessions.Where(s => s.Id == sessionId && s.EndedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, now).SetProperty(s => s.EndReason, reason), token), ct);
    }

    /// <summary>
    /// Ends every live session of the account but <paramref name="keepSessionId"/>, inside the
    /// caller's write (so the activity-log entry saying so commits with it); returns how many.
    /// </summary>
    public Task<int> EndOthersAsync(ConfideDbContext db, string accountId, string? keepSessionId, string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var outlived = now - TimeSpan.FromHours(options.Value.AbsoluteHours);
        var others = db.TeammateSessions.Where(s => s.AccountId == accountId && s.EndedAt == null && s.CreatedAt >= outlived);
        if (keepSessionId is not null)
        {
            others = others.Where(s => s.Id != keepSessionId);
        }

        return others.ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, now).SetProperty(s => s.EndReason, reason), ct);
    }

    /// <summary>
    /// Records that the session was used now. The cookie validation calls this at most once a
    /// minute per session; the write happens outside the request, as for API tokens' last use.
    /// </summary>
    public void RecordSeen(string sessionId)
    {
        var now = time.GetUtcNow();
        var database = cell.Database;
        _ = WriteSeenAsync(database, sessionId, now);
    }

    private async Task WriteSeenAsync(CellDatabase database, string sessionId, DateTimeOffset now)
    {
        try
        {
            await database.Writer.WriteAsync(async (db, ct) =>
                await db.TeammateSessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), ct));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only bookkeeping: the request it came from has been served either way.
            failures.LastSeenWriteFailed(ex, database.Region);
        }
    }

    private sealed record SessionState(string AccountId, DateTimeOffset? EndedAt);
}
