using Confide.Identity.Authorization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Hosting;

/// <summary>
/// Deny by default: every endpoint must say what it needs — a permission
/// (<see cref="PermissionEndpointExtensions.RequirePermission{TBuilder}"/>), any caller of the
/// workspace, or explicitly nobody (<c>AllowAnonymous</c>). Signed-in pages are declared by the
/// folder convention and check the teammate's role themselves. The host refuses to start with
/// an undeclared endpoint, and a test lists them.
/// </summary>
public static class EndpointDeclarations
{
    public static IReadOnlyList<string> Undeclared(IEnumerable<Endpoint> endpoints) =>
        [.. endpoints.OfType<RouteEndpoint>().Where(e => !IsDeclared(e)).Select(Describe)];

    public static string Describe(RouteEndpoint endpoint) =>
        $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])} /{endpoint.RoutePattern.RawText?.TrimStart('/')}";

    private static bool IsDeclared(RouteEndpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        if (metadata.GetMetadata<IAllowAnonymous>() is not null || metadata.GetMetadata<PermissionMetadata>() is not null)
        {
            return true;
        }

        var isPage = metadata.GetMetadata<PageActionDescriptor>() is not null;
        return isPage && metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0;
    }

    /// <summary>Throws when an endpoint is undeclared, naming it.</summary>
    public static void EnsureAllDeclared(IEndpointRouteBuilder app)
    {
        var undeclared = Undeclared(app.DataSources.SelectMany(d => d.Endpoints));
        if (undeclared.Count > 0)
        {
            throw new InvalidOperationException("Endpoints without a permission declaration (deny by default): " + string.Join("; ", undeclared));
        }
    }
}
