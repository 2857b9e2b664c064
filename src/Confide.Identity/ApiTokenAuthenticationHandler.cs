using System.Security.Claims;
using System.Text.Encodings.Web;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
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
    CurrentCell cell,
    ApiTokenLastUse lastUse,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>Marks a caller whose workspace requires two-factor sign-in they have not set up.</summary>
    public const string TwoFactorRequiredClaim = "confide:two_factor_required";

    /// <summary>Marks a caller whose address is outside the workspace's IP allowlist.</summary>
    public const string IpNotAllowedClaim = "confide:ip_not_allowed";

    // Runs on every API request: compiled once rather than translated per call.
    private static readonly CompiledPerProvider<Func<ConfideDbContext, string, CancellationToken, Task<TokenMatch?>>> ActiveTokenByHash = new(() =>
        EF.CompileAsyncQuery((ConfideDbContext db, string hash, CancellationToken ct) =>
            (from t in db.ApiTokens.AsNoTracking()
             join m in db.Teammates on t.TeammateId equals m.Id
             join w in db.Workspaces on t.WorkspaceId equals w.Id
             join a in db.Users on m.AccountId equals a.Id
             from r in db.WorkspaceRoles.Where(r => r.WorkspaceId == t.WorkspaceId && r.Id == m.Role).DefaultIfEmpty()
             // A deleted workspace's tokens stop at once (its rows go later, with the purge).
             where t.SecretHash == hash && t.RevokedAt == null && w.DeletedAt == null
             select new TokenMatch(t.Id, t.WorkspaceId, t.TeammateId, m.Role, r == null ? null : r.Permissions, t.Scopes, t.ExpiresAt, w.TwoFactorRequirement,
                 a.TwoFactorEnabled || db.Set<Microsoft.AspNetCore.Identity.IdentityUserPasskey<string>>().Any(p => p.UserId == a.Id), w.IpAllowlist))
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
        if (match is null || match.ExpiresAt <= time.GetUtcNow())
        {
            return AuthenticateResult.Fail("Unknown, revoked or expired token.");
        }

        List<Claim> claims =
        [
            new Claim(ApiCaller.WorkspaceClaim, match.WorkspaceId),
            new Claim(ApiCaller.TeammateClaim, match.TeammateId),
            new Claim(ApiCaller.TokenClaim, match.Id),
            new Claim(ApiCaller.RoleClaim, match.Role),
            new Claim(ApiCaller.ScopedClaim, match.Scopes is null ? "false" : "true"),
        ];
        // What the caller may do: the teammate's role, narrowed by the token's scopes. Read on
        // every request, so a role change or a narrowed token takes effect at once.
        var rolePermissions = RolePermissions.Resolve(match.Role, match.RolePermissions);
        if (!IpAllowlist.Allows(match.IpAllowlist, Context.Connection.RemoteIpAddress))
        {
            // The workspace only admits its listed addresses: this token may do nothing from here (403 ip_not_allowed).
            claims.Add(new Claim(IpNotAllowedClaim, "true"));
        }
        else if (RolePermissions.RequiresTwoFactor(match.TwoFactorRequirement, rolePermissions) && !match.HasStrongFactor)
        {
            // The workspace requires two-factor sign-in of this teammate, who has neither an
            // authenticator app nor a passkey:
            // their tokens may do nothing until they have (403 two_factor_required).
            claims.Add(new Claim(TwoFactorRequiredClaim, "true"));
        }
        else
        {
            foreach (var permission in TokenScopes.Effective(rolePermissions, match.Scopes))
            {
                claims.Add(new Claim(PermissionAuthorizationHandler.PermissionClaim, permission));
            }
        }

        lastUse.Record(cell.Database, match.Id);
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private sealed record TokenMatch(string Id, string WorkspaceId, string TeammateId, string Role, string? RolePermissions, string? Scopes, DateTimeOffset? ExpiresAt, string TwoFactorRequirement, bool HasStrongFactor, string? IpAllowlist);
}
