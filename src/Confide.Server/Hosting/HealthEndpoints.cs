using System.Globalization;
using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Hosting;

/// <summary>
/// Anonymous health of this endpoint's cell, for load balancers and orchestrators:
/// <c>/health/live</c> says the process serves (restart it if not); <c>/health/ready</c> says the
/// region's database takes a durable write right now (send it traffic only then);
/// <c>/health</c>, kept for existing monitors, is both plus a read. None of them can make the
/// database work harder than one small write per <see cref="CellReadiness.Fresh"/>.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health/live", (CurrentCell cell) =>
            Results.Json(new { status = "live", region = cell.Region.Code })).AllowAnonymous();

        endpoints.MapGet("/health/ready", async (HttpContext http, CurrentCell cell, CancellationToken ct) =>
        {
            var readiness = await cell.Database.Readiness.CheckAsync(ct);
            return readiness.Ready
                ? Results.Json(new { status = "ready", region = cell.Region.Code })
                : Unavailable(http, cell);
        }).AllowAnonymous();

        endpoints.MapGet("/health", async (HttpContext http, CurrentCell cell, CancellationToken ct) =>
        {
            try
            {
                await using var db = cell.Database.CreateReadContext();
                await db.Workspaces.AnyAsync(ct);
                var readiness = await cell.Database.Readiness.CheckAsync(ct);
                return readiness.Ready ? Results.Json(new { status = "ok", region = cell.Region.Code }) : Unavailable(http, cell);
            }
            catch (Exception ex) when (DatabaseFailure.IsUnavailable(ex))
            {
                return Unavailable(http, cell);
            }
        }).AllowAnonymous();
    }

    private static IResult Unavailable(HttpContext http, CurrentCell cell)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.RetryAfter = ErrorResponses.DatabaseRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Results.Json(new { status = "unavailable", region = cell.Region.Code }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
