using System.Security.Claims;
using System.Text.Encodings.Web;
using Confide.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Identity;

/// <summary>
/// Authenticates <c>Authorization: Bearer cfd_..</c> against the current cell. A token that
/// names another region never reaches this handler: the region guard answers 421 first.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CurrentCell cell)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    // Runs on every API request: compiled once rather than translated per call.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, CancellationToken, Task<TokenMatch?>>> ActiveTokenByHash = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string hash, CancellationToken ct) =>
            db.ApiTokens.AsNoTracking()
                .Where(t => t.SecretHash == hash && t.RevokedAt == null)
                .Select(t => new TokenMatch(t.Id, t.WorkspaceId, t.TeammateId))
                .FirstOrDefault()));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiTokenSecrets.TryParseRegion(token, out _))
        {
            return AuthenticateResult.Fail("Malformed token.");
        }

        var hash = ApiTokenSecrets.Hash(token);
        await using var db = cell.Database.CreateReadContext();
        var match = await ActiveTokenByHash.For(db)(db, hash, Context.RequestAborted);
        if (match is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked token.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ApiCaller.WorkspaceClaim, match.WorkspaceId),
                new Claim(ApiCaller.TeammateClaim, match.TeammateId),
                new Claim(ApiCaller.TokenClaim, match.Id),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private sealed record TokenMatch(string Id, string WorkspaceId, string TeammateId);
}
