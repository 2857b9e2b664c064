using System.Net;
using Confide.Data;
using Confide.Identity;
using Confide.Platform;

namespace Confide.Server.Hosting;

/// <summary>
/// Resolves the request's regional cell from the endpoint it arrived on, and refuses (421
/// Misdirected Request) any request whose token or workspace id belongs to another region,
/// naming the right endpoint. Such a request is never served and never proxied.
/// </summary>
public sealed class RegionGuardMiddleware(RequestDelegate next, RegionalEndpoints endpoints, CellRegistry cells)
{
    public async Task InvokeAsync(HttpContext context, CurrentCell currentCell)
    {
        var region = endpoints.RegionForPort(context.Connection.LocalPort);
        if (region is null || !cells.Serves(region))
        {
            await ErrorResponses.WriteAsync(context, HttpStatusCode.NotFound, "not_found", "No region is served on this endpoint");
            return;
        }

        var claimed = ClaimedRegion(context);
        if (claimed is not null && claimed != region)
        {
            var url = endpoints.PublicUrl(claimed);
            context.Response.Headers["Confide-Region"] = claimed.Code;
            context.Response.Headers["Confide-Region-Endpoint"] = url;
            await ErrorResponses.WriteAsync(
                context,
                HttpStatusCode.MisdirectedRequest,
                "region_mismatch",
                $"This workspace is hosted in region '{claimed.Code}'. Send requests to {url}");
            return;
        }

        currentCell.Resolve(cells.Get(region));
        context.Response.Headers["Confide-Region"] = region.Code;
        await next(context);
    }

    private static Region? ClaimedRegion(HttpContext context)
    {
        if (BearerToken.From(context.Request) is { } token && ApiTokenSecrets.TryParseRegion(token, out var tokenRegion))
        {
            return tokenRegion;
        }

        foreach (var name in (string[])["workspaceId", "workspace_id", "app_id"])
        {
            var value = context.GetRouteValue(name) as string ?? context.Request.Query[name].FirstOrDefault();
            if (PublicIds.TryGetWorkspaceRegion(value, out var workspaceRegion))
            {
                return workspaceRegion;
            }
        }

        return null;
    }
}
