using Confide.Server.Pages.App;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Confide.Server.Hosting;

/// <summary>
/// Where sign-in returns to after a session ended. A GET comes back to the same address; a form
/// posted after the session ended (a reply sent, a button pressed) comes back to its page, not to
/// its handler, which a GET cannot run: the teammate lands on the thread they were writing in,
/// where the browser still holds their draft.
/// </summary>
internal static class SignInAgainRedirect
{
    public static string ReturnUrlOf(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            ? (request.Path + request.QueryString).ToString()
            : StepUpResumption.PageAddressOf(request);

    /// <summary>Wraps the cookie scheme's redirect to the sign-in page so that it uses <see cref="ReturnUrlOf"/>.</summary>
    public static void Configure(CookieAuthenticationOptions options)
    {
        var redirect = options.Events.OnRedirectToLogin;
        options.Events.OnRedirectToLogin = context =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.RedirectUri = context.Request.PathBase + context.Options.LoginPath
                    + QueryString.Create(context.Options.ReturnUrlParameter, ReturnUrlOf(context.Request));
            }

            return redirect(context);
        };
    }
}
