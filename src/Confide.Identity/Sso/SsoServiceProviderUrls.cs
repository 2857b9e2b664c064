using Confide.Platform;
using Microsoft.Extensions.Options;

namespace Confide.Identity.Sso;

/// <summary>
/// Confide's own addresses that a customer enters at their identity provider, under the public
/// URL of the workspace's region. Each workspace has its own, so one provider's response can
/// only ever be taken for the workspace it was meant for.
/// </summary>
public sealed class SsoServiceProviderUrls(IOptions<ConfideOptions> options)
{
    public static string BasePath(string workspaceId) => $"/app/sso/{workspaceId}";

    public static string OidcCallbackPath(string workspaceId) => $"{BasePath(workspaceId)}/oidc/callback";

    public string OidcRedirectUri(string workspaceId) => Base(workspaceId) + "/oidc/callback";

    public string SamlAcsUrl(string workspaceId) => Base(workspaceId) + "/saml/acs";

    public string SamlEntityId(string workspaceId) => Base(workspaceId) + "/saml/metadata";

    private string Base(string workspaceId) =>
        PublicIds.TryGetWorkspaceRegion(workspaceId, out var region)
            ? options.Value.PublicUrl(region!) + BasePath(workspaceId)
            : throw new ArgumentException("Not a workspace id.", nameof(workspaceId));
}
