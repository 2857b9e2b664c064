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
        if (context.HandlerMethod?.MethodInfo.GetCustomAttribute<RequiresStepUpAttribute>() is { } required
            && http.User.Identity?.IsAuthenticated == true
            && !StepUp.IsFresh(http.User, clock.GetUtcNow()))
        {
            // Back to the page itself (not the handler): the teammate repeats the action once re-authenticated.
            var returnUrl = StepUpResumption.PageAddressOf(http.Request);
            // A script's request (js/passkeys.js asks for JSON) cannot follow a redirect to a page: it is told where to send the browser.
            if (http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase))
            {
                context.Result = new JsonResult(new { reauthenticate = "/app/reauthenticate" + QueryString.Create("ReturnUrl", returnUrl) }) { StatusCode = StatusCodes.Status401Unauthorized };
                return;
            }

            // The page then says the change is not applied yet, refilled where that is safe.
            await StepUpResumption.KeepAsync(http, returnUrl, required.Afterwards, clock.GetUtcNow());
            context.Result = new RedirectToPageResult("/App/Reauthenticate", new { ReturnUrl = returnUrl });
            return;
        }

        await next();
    }
}
