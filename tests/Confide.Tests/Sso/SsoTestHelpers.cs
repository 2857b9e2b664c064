using System.Net;
using System.Text.Json;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Sso;

/// <summary>What the OIDC and SAML sign-in tests both do: add teammates, read the log, read or miss the session.</summary>
internal static class SsoTestHelpers
{
    /// <summary>Adds a teammate; a new address then joins through the mailed link, an existing account stays invited.</summary>
    internal static async Task<string> AddTeammateAsync(TestWorkspace workspace, string email, string role)
    {
        using var owner = workspace.Client();
        var id = (await (await owner.PostJsonAsync("confide/teammates", new { email, role })).JsonAsync()).Str("id");
        await workspace.Server.JoinIfNewAsync(workspace.Region, email);
        return id;
    }

    internal static async Task<List<JsonElement>> ActivityAsync(TestWorkspace workspace)
    {
        using var owner = workspace.Client();
        var list = await (await owner.GetAsync("admins/activity_logs?created_at_after=0")).JsonAsync();
        return [.. list.GetProperty("activity_logs").EnumerateArray()];
    }

    /// <summary>The browser's session cookie as the server reads it.</summary>
    internal static System.Security.Claims.ClaimsPrincipal Session(TestServer server, SsoBrowser browser)
    {
        var cookie = browser.Cookies.GetCookies(server.BaseUrl(Region.Eu))["confide_session"];
        Assert.NotNull(cookie);
        var options = server.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
        return options.TicketDataFormat.Unprotect(cookie.Value)!.Principal;
    }

    internal static async Task AssertNoSessionAsync(SsoBrowser browser)
    {
        using var response = await browser.Http.GetAsync("app/inbox");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/app/login", response.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
    }
}
