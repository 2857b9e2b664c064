using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity.Api;

/// <summary>API tokens of the workspace: create (the secret is in this one response only), list, revoke.</summary>
internal static class ApiTokenEndpoints
{
    internal sealed record CreateTokenInput(string? Name, string[]? Scopes, long? ExpiresAt);

    internal sealed record TokenView(string Id, string Name, string AdminId, string[]? Scopes, long CreatedAt, long? ExpiresAt, long? LastUsedAt, long? RevokedAt)
    {
        public string Type { get; } = "api_token";

        public static TokenView From(ApiToken t) => new(
            t.Id, t.Name, t.TeammateId, t.Scopes is null ? null : [.. TokenScopes.Parse(t.Scopes)],
            t.CreatedAt.ToUnixTimeSeconds(), t.ExpiresAt?.ToUnixTimeSeconds(), t.LastUsedAt?.ToUnixTimeSeconds(), t.RevokedAt?.ToUnixTimeSeconds());
    }

    internal sealed record CreatedTokenView(TokenView Token, string AccessToken);

    internal sealed record TokenListView(IReadOnlyList<TokenView> Tokens)
    {
        public string Type { get; } = "api_token.list";
    }

    public static void MapApiTokenEndpoints(this IEndpointRouteBuilder api)
    {
        var tokens = api.MapGroup("/confide/api_tokens").RequirePermission(Permissions.ApiTokensManage);
        tokens.MapPost("", CreateAsync);
        tokens.MapGet("", ListAsync);
        tokens.MapDelete("/{id}", RevokeAsync);
    }

    private static async Task<IResult> CreateAsync(ApiCaller caller, CurrentCell cell, ApiTokenAdministration tokens, CreateTokenInput input, CancellationToken ct)
    {
        if (input.ExpiresAt is < 0 or > UnixSeconds.MaxBeforeLast)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("expires_at must be a Unix timestamp in seconds"));
        }

        var created = await tokens.CreateAsync(
            cell.Database, caller, input.Name ?? throw new ConfideException(ConfideError.ParameterMissing("name")), input.Scopes,
            input.ExpiresAt is { } expires ? DateTimeOffset.FromUnixTimeSeconds(expires) : null, ct);
        return TypedResults.Ok(new CreatedTokenView(TokenView.From(created.Token), created.Secret));
    }

    private static async Task<IResult> ListAsync(ApiCaller caller, CurrentCell cell, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var tokens = await db.ApiTokens.Where(t => t.WorkspaceId == caller.WorkspaceId).OrderBy(t => t.Id).ToListAsync(ct);
        return TypedResults.Ok(new TokenListView([.. tokens.Select(TokenView.From)]));
    }

    private static async Task<IResult> RevokeAsync(ApiCaller caller, CurrentCell cell, ApiTokenAdministration tokens, string id, CancellationToken ct)
    {
        await tokens.RevokeAsync(cell.Database, caller, id, ct);
        return TypedResults.Ok(new { id, type = "api_token", revoked = true });
    }
}
