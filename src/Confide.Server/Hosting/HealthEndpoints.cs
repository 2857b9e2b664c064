using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Hosting;

/// <summary><c>GET /health</c>: anonymous liveness and database reachability of this endpoint's cell.</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/health", async (CurrentCell cell, CancellationToken ct) =>
        {
            try
            {
                await using var db = cell.Database.CreateReadContext();
                await db.Workspaces.AnyAsync(ct);
                return Results.Json(new { status = "ok", region = cell.Region.Code });
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                return Results.Json(new { status = "unavailable", region = cell.Region.Code }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).AllowAnonymous();
}
