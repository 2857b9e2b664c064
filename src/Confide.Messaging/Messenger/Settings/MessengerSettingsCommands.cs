using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Messenger.Settings;

/// <summary>
/// Reads and changes a workspace's messenger settings. The row is created on the first change;
/// a change is an <c>app_identity_verification_change</c> entry (before/after) in the same transaction.
/// </summary>
public sealed class MessengerSettingsCommands(ActivityLog log, TimeProvider time)
{
    public const int MinJwtLifetimeSeconds = 60;
    public const int MaxJwtLifetimeSeconds = 86_400;

    public static async Task<MessengerSettings?> FindAsync(CellDatabase cell, string workspaceId, CancellationToken cancellationToken)
    {
        await using var db = cell.CreateReadContext();
        return await db.MessengerSettings.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, cancellationToken);
    }

    public Task<MessengerSettingsView> ChangeAsync(CellDatabase cell, ApiCaller caller, MessengerSettingsInput input, CancellationToken cancellationToken) =>
        ChangeAsync(cell, caller.WorkspaceId, caller.Actor, input, cancellationToken);

    /// <summary>As <see cref="ChangeAsync(CellDatabase, ApiCaller, MessengerSettingsInput, CancellationToken)"/>, for callers other than the API (the web app's settings page).</summary>
    public async Task<MessengerSettingsView> ChangeAsync(CellDatabase cell, string workspaceId, ActivityActor actor, MessengerSettingsInput input, CancellationToken cancellationToken)
    {
        var clearJwks = input.Jwks.ValueKind == JsonValueKind.Null;
        if (input is { IdentityVerificationEnforced: null, AllowedOrigins: null, JwtMaxLifetimeSeconds: null } && input.Jwks.ValueKind == JsonValueKind.Undefined)
        {
            throw new ConfideException(ConfideError.ParameterMissing("identity_verification_enforced, allowed_origins, jwt_max_lifetime_seconds or jwks"));
        }

        if (input.JwtMaxLifetimeSeconds is { } lifetime and (< MinJwtLifetimeSeconds or > MaxJwtLifetimeSeconds))
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"jwt_max_lifetime_seconds must be {MinJwtLifetimeSeconds} to {MaxJwtLifetimeSeconds}"));
        }

        var origins = input.AllowedOrigins is { } given ? MessengerOrigins.Normalise(given) : null;
        var jwks = input.Jwks.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : MessengerKeySet.Normalise(input.Jwks);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var settings = await db.MessengerSettings.FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
            var beforeJwks = settings?.JsonWebKeySet;
            var before = MessengerSettingsView.From(settings);
            if (settings is null)
            {
                settings = new MessengerSettings { WorkspaceId = workspaceId };
                db.MessengerSettings.Add(settings);
            }

            settings.IdentityVerificationEnforced = input.IdentityVerificationEnforced ?? settings.IdentityVerificationEnforced;
            settings.AllowedOrigins = origins is null ? settings.AllowedOrigins : MessengerOrigins.Format(origins);
            settings.JwtMaxLifetimeSeconds = input.JwtMaxLifetimeSeconds ?? settings.JwtMaxLifetimeSeconds;
            settings.JsonWebKeySet = clearJwks ? null : jwks ?? settings.JsonWebKeySet;
            var beforeJson = before.ToActivityJson(beforeJwks);
            var afterJson = MessengerSettingsView.From(settings).ToActivityJson(settings.JsonWebKeySet);
            if (!JsonNode.DeepEquals(beforeJson, afterJson) || beforeJwks != settings.JsonWebKeySet)
            {
                settings.UpdatedAt = time.GetUtcNow();
                await log.AppendAsync(db, cell, workspaceId, new ActivityEvent(
                    ActivityTypes.AppIdentityVerificationChange, actor, "The messenger's identity verification settings were changed.",
                    new ActivityTarget("workspace", workspaceId),
                    new JsonObject { ["before"] = beforeJson, ["after"] = afterJson, ["jwks_changed"] = beforeJwks != settings.JsonWebKeySet }), ct);
            }

            return MessengerSettingsView.From(settings);
        }, cancellationToken);
    }
}
