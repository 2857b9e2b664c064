using Microsoft.AspNetCore.Routing;

namespace Confide.Identity.Api;

public static class IdentityEndpoints
{
    /// <summary>Teammates, API tokens, roles, security settings and the SSO connection; mapped inside the API group (API token authentication).</summary>
    public static void MapIdentityEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapTeammateEndpoints();
        api.MapApiTokenEndpoints();
        api.MapSecuritySettingsEndpoints();
        api.MapRoleEndpoints();
        api.MapSsoConnectionEndpoints();
    }
}
