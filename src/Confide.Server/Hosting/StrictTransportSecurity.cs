namespace Confide.Server.Hosting;

/// <summary>
/// Sends <c>Strict-Transport-Security</c> on every response, errors and localhost included
/// (ASP.NET Core's UseHsts skips localhost, which the embedded mode serves): one year,
/// subdomains included, <c>preload</c> when <see cref="TlsOptions.HstsPreload"/> is set.
/// Runs first in the pipeline so that no later failure path can skip it.
/// </summary>
public sealed class StrictTransportSecurity(RequestDelegate next, Microsoft.Extensions.Options.IOptions<TlsOptions> options)
{
    public const int MaxAgeSeconds = 31_536_000;

    private readonly string _value = $"max-age={MaxAgeSeconds}; includeSubDomains" + (options.Value.HstsPreload ? "; preload" : "");

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            context.Response.Headers.StrictTransportSecurity = _value;
        }

        return next(context);
    }
}
