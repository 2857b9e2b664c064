using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Confide.Identity.Sso;
using Confide.Identity.Sso.Oidc;
using Confide.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity.Api;

/// <summary>
/// The workspace's single sign-on connection (one per workspace): read, create or replace,
/// delete. The OIDC client secret is write-only. Every answer carries the values the customer
/// enters at their identity provider, also before a connection exists.
/// </summary>
internal static class SsoConnectionEndpoints
{
    internal sealed record SsoConnectionView(
        bool Configured,
        string? Id,
        string? Protocol,
        string? Issuer,
        string? ClientId,
        bool ClientSecretSet,
        string? IdpEntityId,
        string? SsoUrl,
        IReadOnlyList<string>? SigningCertificates,
        string? EmailAttribute,
        string? NameAttribute,
        bool JustInTimeProvisioning,
        string? DefaultRole,
        IReadOnlyList<string> AllowedEmailDomains,
        string RedirectUri,
        string AcsUrl,
        string SpEntityId,
        long? CreatedAt,
        long? UpdatedAt)
    {
        public string Type { get; } = "sso_connection";
    }

    public static void MapSsoConnectionEndpoints(this IEndpointRouteBuilder api)
    {
        var connection = api.MapGroup("/confide/sso_connection").RequirePermission(Permissions.SecurityManage);
        connection.MapGet("", GetAsync);
        connection.MapPut("", PutAsync);
        connection.MapDelete("", DeleteAsync);
    }

    private static async Task<IResult> GetAsync(ApiCaller caller, CurrentCell cell, SsoServiceProviderUrls urls, CancellationToken ct)
    {
        await using var db = cell.Database.CreateReadContext();
        var connection = await db.SsoConnections.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == caller.WorkspaceId, ct);
        return TypedResults.Ok(View(caller.WorkspaceId, connection, urls));
    }

    /// <summary>Creates the connection or replaces all of it; an omitted client_secret keeps the stored one for the same issuer and client.</summary>
    private static async Task<IResult> PutAsync(
        ApiCaller caller, CurrentCell cell, ActivityLog log, SsoClientSecrets secrets, SsoServiceProviderUrls urls, OidcHandlerOptionsCache oidcOptions,
        TimeProvider time, SsoConnectionInput input, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var settings = SsoConnectionSettings.From(input, now);
        var view = await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            await EnsureDefaultRoleAsync(db, caller, settings.DefaultRole, token);
            var connection = await db.SsoConnections.FirstOrDefaultAsync(c => c.WorkspaceId == caller.WorkspaceId, token);
            var before = connection is null ? null : View(caller.WorkspaceId, connection, urls);
            var protectedSecret = ProtectedSecret(caller.WorkspaceId, settings, connection, secrets);
            if (connection is null)
            {
                connection = new SsoConnection
                {
                    Id = PublicIds.NewEntityId(time),
                    WorkspaceId = caller.WorkspaceId,
                    Protocol = settings.Protocol,
                    EmailAttribute = settings.EmailAttribute,
                    NameAttribute = settings.NameAttribute,
                    DefaultRole = settings.DefaultRole,
                    AllowedEmailDomains = "",
                    CreatedAt = now,
                };
                db.SsoConnections.Add(connection);
            }

            Apply(connection, settings, protectedSecret, now);
            var after = View(caller.WorkspaceId, connection, urls);
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SsoConnectionChange, caller.Actor,
                before is null ? "An SSO connection was created." : "The SSO connection was replaced.",
                new ActivityTarget("sso_connection", connection.Id),
                new JsonObject
                {
                    ["before"] = before is null ? null : Json(before),
                    ["after"] = Json(after),
                    ["client_secret_changed"] = settings.ClientSecret is not null,
                }), token);
            return after;
        }, ct);
        oidcOptions.Forget(caller.WorkspaceId);
        return TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteAsync(ApiCaller caller, CurrentCell cell, ActivityLog log, SsoServiceProviderUrls urls, OidcHandlerOptionsCache oidcOptions, CancellationToken ct)
    {
        await cell.Database.Writer.WriteAsync(async (db, token) =>
        {
            var connection = await db.SsoConnections.FirstOrDefaultAsync(c => c.WorkspaceId == caller.WorkspaceId, token)
                ?? throw new ConfideException(ConfideError.NotFound("SSO connection"));
            await log.AppendAsync(db, cell.Database, caller.WorkspaceId, new ActivityEvent(
                ActivityTypes.SsoConnectionDeletion, caller.Actor, "The SSO connection was deleted.",
                new ActivityTarget("sso_connection", connection.Id),
                new JsonObject { ["before"] = Json(View(caller.WorkspaceId, connection, urls)) }), token);
            db.SsoConnections.Remove(connection);
        }, ct);
        oidcOptions.Forget(caller.WorkspaceId);
        return TypedResults.Ok(new { type = "sso_connection", deleted = true });
    }

    /// <summary>
    /// The default role must exist, may not be owner (nobody becomes an owner by signing in), and
    /// may carry nothing the caller does not hold: nobody hands out more than they have.
    /// </summary>
    private static async Task EnsureDefaultRoleAsync(ConfideDbContext db, ApiCaller caller, string role, CancellationToken ct)
    {
        if (role == TeammateRoles.Owner)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("default_role cannot be owner"));
        }

        if (!await TeammateAdministration.IsProvisionableAsync(db, caller.WorkspaceId, role, ct))
        {
            throw new ConfideException(ConfideError.ParameterInvalid(
                $"default_role must be one of {string.Join(", ", BuiltInRoles.Names.Where(n => n != TeammateRoles.Owner))} or the id of one of this workspace's roles"));
        }

        var permissions = BuiltInRoles.IsBuiltIn(role)
            ? BuiltInRoles.PermissionsOf(role)
            : RolePermissions.Resolve(role, (await db.WorkspaceRoles.FirstAsync(r => r.WorkspaceId == caller.WorkspaceId && r.Id == role, ct)).Permissions);
        if (permissions.FirstOrDefault(p => !caller.Permissions.Contains(p)) is { } beyond)
        {
            throw new ConfideException(ConfideError.Forbidden($"default_role carries '{beyond}', which you do not hold"));
        }
    }

    private static string? ProtectedSecret(string workspaceId, SsoConnectionSettings settings, SsoConnection? existing, SsoClientSecrets secrets)
    {
        if (settings.Protocol != SsoProtocols.Oidc)
        {
            return null;
        }

        if (settings.ClientSecret is { } secret)
        {
            return secrets.Protect(workspaceId, secret);
        }

        // Kept only for the very same client of the very same provider: a secret never follows a changed issuer.
        return existing is { Protocol: SsoProtocols.Oidc, OidcProtectedClientSecret: { } kept } && existing.OidcIssuer == settings.Issuer && existing.OidcClientId == settings.ClientId
            ? kept
            : throw new ConfideException(ConfideError.ParameterMissing("client_secret"));
    }

    private static void Apply(SsoConnection connection, SsoConnectionSettings settings, string? protectedSecret, DateTimeOffset now)
    {
        connection.Protocol = settings.Protocol;
        connection.OidcIssuer = settings.Issuer;
        connection.OidcClientId = settings.ClientId;
        connection.OidcProtectedClientSecret = protectedSecret;
        connection.SamlIdpEntityId = settings.IdpEntityId;
        connection.SamlSingleSignOnUrl = settings.SsoUrl;
        connection.SamlSigningCertificates = settings.SigningCertificatesPem is { } pems ? string.Join('\n', pems) : null;
        connection.EmailAttribute = settings.EmailAttribute;
        connection.NameAttribute = settings.NameAttribute;
        connection.JustInTimeProvisioning = settings.JustInTimeProvisioning;
        connection.DefaultRole = settings.DefaultRole;
        connection.AllowedEmailDomains = SsoEmailDomains.Format(settings.AllowedEmailDomains);
        connection.UpdatedAt = now;
    }

    private static SsoConnectionView View(string workspaceId, SsoConnection? c, SsoServiceProviderUrls urls) => new(
        c is not null,
        c?.Id,
        c?.Protocol,
        c?.OidcIssuer,
        c?.OidcClientId,
        c?.OidcProtectedClientSecret is not null,
        c?.SamlIdpEntityId,
        c?.SamlSingleSignOnUrl,
        c?.SamlSigningCertificates is { } pems ? SplitPem(pems) : null,
        c?.EmailAttribute,
        c?.NameAttribute,
        c?.JustInTimeProvisioning ?? false,
        c?.DefaultRole,
        c is null ? [] : SsoEmailDomains.Parse(c.AllowedEmailDomains),
        urls.OidcRedirectUri(workspaceId),
        urls.SamlAcsUrl(workspaceId),
        urls.SamlEntityId(workspaceId),
        c?.CreatedAt.ToUnixTimeSeconds(),
        c?.UpdatedAt.ToUnixTimeSeconds());

    private static List<string> SplitPem(string pems) =>
        [.. pems.Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => p.Length > 0)
            .Select(p => p + "\n-----END CERTIFICATE-----")];

    /// <summary>The activity log's before/after: settings only (the secret is never in a view).</summary>
    private static JsonObject Json(SsoConnectionView view) => new()
    {
        ["protocol"] = view.Protocol,
        ["issuer"] = view.Issuer,
        ["client_id"] = view.ClientId,
        ["idp_entity_id"] = view.IdpEntityId,
        ["sso_url"] = view.SsoUrl,
        ["signing_certificates"] = view.SigningCertificates?.Count ?? 0,
        ["email_attribute"] = view.EmailAttribute,
        ["name_attribute"] = view.NameAttribute,
        ["just_in_time_provisioning"] = view.JustInTimeProvisioning,
        ["default_role"] = view.DefaultRole,
        ["allowed_email_domains"] = new JsonArray([.. view.AllowedEmailDomains.Select(d => JsonValue.Create(d))]),
    };
}
