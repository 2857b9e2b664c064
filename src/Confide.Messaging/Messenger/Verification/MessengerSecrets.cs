using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Messenger.Verification;

/// <summary>A messenger secret as listed: never the secret itself.</summary>
public sealed record MessengerSecretView(string Id, long CreatedAt, long? RetiredAt)
{
    public string Type { get; } = "messenger_secret";

    public bool Active => RetiredAt is null;

    internal static MessengerSecretView From(MessengerSecret s) => new(s.Id, s.CreatedAt.ToUnixTimeSeconds(), s.RetiredAt?.ToUnixTimeSeconds());
}

/// <summary>A new secret, with its value: shown once, at creation.</summary>
public sealed record CreatedMessengerSecret(string Id, string Secret, long CreatedAt)
{
    public string Type { get; } = "messenger_secret";
}

/// <summary>
/// A workspace's messenger identity secrets: the HMAC key of <c>user_hash</c> and of HS256
/// identity tokens. The value is shown once and stored sealed under the workspace's workforce
/// key. At most <see cref="MaxActive"/> are active, so a rotation overlaps old and new without
/// ever widening further; each change is an activity-log entry in the same transaction.
/// </summary>
public sealed class MessengerSecrets(ActivityLog log, WorkspaceKeyRing keys, TimeProvider time)
{
    public const int MaxActive = 2;

    /// <summary>Creates a secret; a 409 while <see cref="MaxActive"/> are active.</summary>
    public Task<CreatedMessengerSecret> CreateAsync(CellDatabase cell, ApiCaller caller, CancellationToken cancellationToken) =>
        CreateAsync(cell, caller.WorkspaceId, caller.Actor, cancellationToken);

    /// <summary>As <see cref="CreateAsync(CellDatabase, ApiCaller, CancellationToken)"/>, for callers other than the API (the web app's settings page).</summary>
    public async Task<CreatedMessengerSecret> CreateAsync(CellDatabase cell, string workspaceId, ActivityActor actor, CancellationToken cancellationToken)
    {
        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        var secret = NewSecretValue();
        var id = PublicIds.NewEntityId(time);
        var row = new MessengerSecret
        {
            Id = id,
            WorkspaceId = workspaceId,
            SealedSecret = workforce.SealMessengerSecret(id, secret),
            CreatedAt = time.GetUtcNow(),
        };
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var active = await db.MessengerSecrets.CountAsync(s => s.WorkspaceId == workspaceId && s.RetiredAt == null, ct);
            if (active >= MaxActive)
            {
                throw new ConfideException(ConfideError.Conflict(
                    $"The workspace already has {MaxActive} active messenger secrets: retire one before creating another"));
            }

            db.MessengerSecrets.Add(row);
            await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                ActivityTypes.MessengerApiSecretCreation, actor, "A messenger identity secret was created.",
                new ActivityTarget("messenger_secret", row.Id),
                new JsonObject { ["active_secrets_after"] = active + 1 }), ct);
        }, cancellationToken);
        return new CreatedMessengerSecret(row.Id, secret, row.CreatedAt.ToUnixTimeSeconds());
    }

    public static async Task<IReadOnlyList<MessengerSecretView>> ListAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        var rows = await db.MessengerSecrets.AsNoTracking().Where(s => s.WorkspaceId == workspaceId).ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal).Select(MessengerSecretView.From)];
    }

    /// <summary>Retires a secret: from now on it verifies nothing. Retiring a retired one changes nothing.</summary>
    public Task<MessengerSecretView> RetireAsync(CellDatabase cell, ApiCaller caller, string secretId, CancellationToken cancellationToken) =>
        RetireAsync(cell, caller.WorkspaceId, caller.Actor, secretId, cancellationToken);

    public async Task<MessengerSecretView> RetireAsync(CellDatabase cell, string workspaceId, ActivityActor actor, string secretId, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var row = await db.MessengerSecrets.FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId && s.Id == secretId, ct)
                ?? throw new ConfideException(ConfideError.NotFound("Messenger secret"));
            if (row.RetiredAt is null)
            {
                row.RetiredAt = time.GetUtcNow();
                var stillActive = await db.MessengerSecrets.CountAsync(s => s.WorkspaceId == workspaceId && s.RetiredAt == null && s.Id != secretId, ct);
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.MessengerApiSecretDeletion, actor, "A messenger identity secret was retired.",
                    new ActivityTarget("messenger_secret", row.Id),
                    new JsonObject { ["active_secrets_after"] = stillActive }), ct);
            }

            return MessengerSecretView.From(row);
        }, cancellationToken);

    /// <summary>The HMAC keys of the active secrets: the UTF-8 bytes of each secret as shown, as Intercom's user_hash uses its secret.</summary>
    internal async Task<IReadOnlyList<byte[]>> ActiveKeysAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        List<MessengerSecret> rows;
        await using (var db = cell.CreateReadContext())
        {
            rows = await db.MessengerSecrets.AsNoTracking().Where(s => s.WorkspaceId == workspaceId && s.RetiredAt == null).ToListAsync(cancellationToken);
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var workforce = await keys.WorkforceAsync(cell, workspaceId, cancellationToken);
        return [.. rows.Select(r => Encoding.UTF8.GetBytes(workforce.OpenMessengerSecret(r.Id, r.SealedSecret)))];
    }

    /// <summary>32 random bytes, base64url without padding: safe to paste into any configuration.</summary>
    private static string NewSecretValue() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
