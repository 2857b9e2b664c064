using Confide.Data;
using Confide.Data.Model;
using Confide.Identity.Sso;
using Confide.Identity.Sso.Saml;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Hosting.Sso;

/// <summary>
/// The browser's side of single sign-on, under <c>/app/sso/{workspaceId}/</c>: start (dispatches
/// to the connection's protocol), each protocol's return address, and SAML's SP metadata. Anonymous by nature: these
/// are how a teammate gets a session. The workspace in the path picks the connection, and the
/// region guard has already turned away a workspace of another region.
/// </summary>
internal static class SsoEndpoints
{
    public static void MapSsoEndpoints(this IEndpointRouteBuilder app)
    {
        var sso = app.MapGroup("/app/sso/{workspaceId}").AllowAnonymous().ExcludeFromDescription();
        sso.MapGet("/start", StartAsync);
        sso.MapGet("/oidc/callback", (HttpContext http, string workspaceId) => CompleteAsync(http, workspaceId, SsoProtocols.Oidc));
        // The IdP's auto-submitting form POSTs here cross-site, so there is no antiforgery token to
        // check: the correlation cookie holding the AuthnRequest's ID (the response's InResponseTo)
        // is what ties the post to a sign-in this browser started (SamlCorrelationCookie).
        sso.MapPost("/saml/acs", (HttpContext http, string workspaceId) => CompleteAsync(http, workspaceId, SsoProtocols.Saml))
            .DisableAntiforgery();
        // Also the SP entity id, so the id an administrator copies resolves to the metadata.
        sso.MapGet("/saml/metadata", SamlMetadataAsync);
    }

    /// <summary>
    /// The service provider metadata of any workspace of this region, also before it has a SAML
    /// connection: administrators load it into their IdP first. It holds only Confide's own URLs.
    /// </summary>
    private static async Task<IResult> SamlMetadataAsync(string workspaceId, CurrentCell cell, SsoServiceProviderUrls urls, CancellationToken ct)
    {
        if (!PublicIds.TryGetWorkspaceRegion(workspaceId, out _))
        {
            return Results.NotFound();
        }

        await using (var db = cell.Database.CreateReadContext())
        {
            if (!await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.DeletedAt == null, ct))
            {
                return Results.NotFound();
            }
        }

        var metadata = SamlMetadata.WriteServiceProvider(SamlConnection.ServiceProviderOf(workspaceId, urls));
        return Results.Text(metadata, "application/samlmetadata+xml", System.Text.Encoding.UTF8);
    }

    private static async Task<IResult> StartAsync(HttpContext http, string workspaceId, CurrentCell cell, IEnumerable<ISsoProtocolHandler> handlers, SsoSignIn signIn)
    {
        NoStore(http);
        var connection = await ConnectionAsync(cell, workspaceId, http.RequestAborted);
        if (connection is null)
        {
            return signIn.Refuse(workspaceId, SsoRefusals.NotConfigured);
        }

        if (handlers.FirstOrDefault(h => h.Protocol == connection.Protocol) is not { } handler)
        {
            return signIn.Refuse(workspaceId, SsoRefusals.ProtocolNotAvailable);
        }

        var refused = await handler.StartAsync(http, connection);
        return refused is { Refusal: { } reason } ? signIn.Refuse(workspaceId, reason) : Results.Empty;
    }

    private static async Task<IResult> CompleteAsync(HttpContext http, string workspaceId, string protocol)
    {
        NoStore(http);
        var signIn = http.RequestServices.GetRequiredService<SsoSignIn>();
        var connection = await ConnectionAsync(http.RequestServices.GetRequiredService<CurrentCell>(), workspaceId, http.RequestAborted);
        // A response for a protocol the workspace no longer uses is not taken, whatever it says.
        if (connection is null || connection.Protocol != protocol)
        {
            return signIn.Refuse(workspaceId, SsoRefusals.NotConfigured);
        }

        var handler = http.RequestServices.GetServices<ISsoProtocolHandler>().FirstOrDefault(h => h.Protocol == protocol);
        if (handler is null)
        {
            return signIn.Refuse(workspaceId, SsoRefusals.ProtocolNotAvailable);
        }

        return await signIn.CompleteAsync(http, connection, await handler.CompleteAsync(http, connection));
    }

    private static async Task<SsoConnection?> ConnectionAsync(CurrentCell cell, string workspaceId, CancellationToken ct)
    {
        if (!PublicIds.TryGetWorkspaceRegion(workspaceId, out _))
        {
            return null;
        }

        await using var db = cell.Database.CreateReadContext();
        // A deleted workspace's connection stays until the purge reaches it, but signs nobody in.
        return await (
            from c in db.SsoConnections.AsNoTracking()
            join w in db.Workspaces on c.WorkspaceId equals w.Id
            where c.WorkspaceId == workspaceId && w.DeletedAt == null
            select c).FirstOrDefaultAsync(ct);
    }

    private static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";
}
