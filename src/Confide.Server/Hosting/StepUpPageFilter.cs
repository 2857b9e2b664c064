using System.Reflection;
using Confide.Identity;
using Confide.Server.Pages.App;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Confide.Server.Hosting;

/// <summary>Enforces <see cref="RequiresStepUpAttribute"/> on page handlers, before the handler runs.</summary>
internal sealed class StepUpPageFilter(TimeProvider clock) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (context.HandlerMethod?.MethodInfo.GetCustomAttribute<RequiresStepUpAttribute>() is not null
            && http.User.Identity?.IsAuthenticated == true
            && !StepUp.IsFresh(http.User, clock.GetUtcNow()))
        {
            // Back to the page itself (not the handler): the teammate repeats the action once re-authenticated.
            var workspace = http.Request.Query["workspace"].ToString();
            var returnUrl = (http.Request.Path + (workspace.Length > 0 ? QueryString.Create("workspace", workspace) : QueryString.Empty)).ToString();
            // A script's request (js/passkeys.js asks for JSON) cannot follow a redirect to a page: it is told where to send the browser.
            context.Result = http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase)
                ? new JsonResult(new { reauthenticate = "/app/reauthenticate" + QueryString.Create("ReturnUrl", returnUrl) }) { StatusCode = StatusCodes.Status401Unauthorized }
                : new RedirectToPageResult("/App/Reauthenticate", new { ReturnUrl = returnUrl });
            return;
        }

        await next();
    }
}
