namespace Confide.Server.Hosting;

/// <summary>
/// The only thing a plain-HTTP port (<c>Confide:Regions:&lt;region&gt;:HttpPort</c>) does: a 308 to
/// the same path and query on the region's HTTPS URL, with no body and no cookies. Runs first,
/// so nothing else in the pipeline ever answers over plain HTTP.
/// </summary>
public sealed class HttpToHttpsRedirect(RequestDelegate next, RegionalEndpoints endpoints)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps || endpoints.RedirectRegionForPort(context.Connection.LocalPort) is not { } region)
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = endpoints.PublicUrl(region) + context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }
}
