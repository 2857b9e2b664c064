using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>
/// Creates and revokes API tokens. A token acts for the teammate who creates it and can only be
/// narrowed: its scopes must be permissions that teammate's own caller holds. The secret is
/// shown once; only its hash is stored.
/// </summary>
public sealed class ApiTokenAdministration(ActivityLog log, TimeProvider time)
{
    public sealed record Created(ApiToken Token, string Secret);

    /// <param name="caller">Who creates it: the token acts for the same teammate and never gets more than the caller may do.</param>
    public async Task<Created> CreateAsync(
        CellDatabase cell, ApiCaller caller, string name, IReadOnlyList<string>? scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        name = name.Trim();
        if (name.Length is 0 or > 255)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("name must be 1 to 255 characters"));
        }

        if (expiresAt is { } expiry && expiry <= time.GetUtcNow())
        {
            throw new ConfideException(ConfideError.ParameterInvalid("expires_at must be in the future"));
        }

        // A token without scopes would follow its teammate's role; one made by a narrowed
        // caller gets that caller's permissions written down instead, so it can never widen.
        var granted = scopes ?? (caller.Scoped ? [.. caller.Permissions] : null);
        if (granted?.FirstOrDefault(s => !Permissions.IsKnown(s)) is { } unknown)
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"Unknown scope '{unknown}'; docs/permissions.md lists them"));
        }

        if (granted?.FirstOrDefault(s => !caller.Permissions.Contains(s)) is { } beyond)
        {
            throw new ConfideException(ConfideError.Forbidden($"A token cannot be given '{beyond}', which you do not hold"));
        }

        var secret = ApiTokenSecrets.Generate(cell.Region);
        var token = new ApiToken
        {
            Id = PublicIds.NewEntityId(time),
            WorkspaceId = caller.WorkspaceId,
            TeammateId = caller.TeammateId,
            Name = name,
            SecretHash = ApiTokenSecrets.Hash(secret),
            CreatedAt = time.GetUtcNow(),
            Scopes = granted is null ? null : TokenScopes.Format(granted),
            ExpiresAt = expiresAt,
        };
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            db.ApiTokens.Add(token);
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.ApiTokenCreation, caller.Actor, "An API token was created.", new ActivityTarget("api_token", token.Id),
                new JsonObject { ["scopes"] = token.Scopes ?? "all of the teammate's permissions", ["expires_at"] = expiresAt?.ToUnixTimeSeconds() }), ct);
        }, cancellationToken);
        return new Created(token, secret);
    }

    public async Task RevokeAsync(CellDatabase cell, ApiCaller caller, string tokenId, CancellationToken cancellationToken) =>
        await cell.Writer.WriteAsync(async (db, ct) =>
        {
            var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.WorkspaceId == caller.WorkspaceId && t.Id == tokenId && t.RevokedAt == null, ct)
                ?? throw new ConfideException(ConfideError.NotFound("API token"));
            token.RevokedAt = time.GetUtcNow();
            await log.AppendAsync(db, cell, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.ApiTokenRevocation, caller.Actor, "An API token was revoked.", new ActivityTarget("api_token", token.Id)), ct);
        }, cancellationToken);
}
