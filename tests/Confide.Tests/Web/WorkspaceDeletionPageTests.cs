using System.Net;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Web;

/// <summary>Settings → Delete workspace: owners only, the name typed, step-up to schedule, cancel while scheduled.</summary>
public sealed class WorkspaceDeletionPageTests
{
    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnOwner_SchedulesWithTheNameAndStepUp_AndCancels_AnAdminCannotSeeThePage(string provider)
    {
        if (provider == Providers.Postgres && TestPostgres.ConnectionString is null)
        {
            Assert.Skip("PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
        }

        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, name: "Page test");
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var path = $"app/settings/deletion?workspace={workspace.Id}";
        Assert.Contains("/app/settings/deletion", await browser.HtmlAsync($"app/settings/security?workspace={workspace.Id}"), StringComparison.Ordinal);

        var page = await browser.HtmlAsync(path);
        Assert.Contains("Type the workspace", page, StringComparison.Ordinal);
        var wrong = await ReadAsync(await browser.PostAsync(path, TeammateBrowser.Form(page, new() { ["ConfirmName"] = "page test", ["GraceDays"] = "3" })));
        Assert.Contains("confirm_name must be the workspace", wrong, StringComparison.Ordinal);
        using var api = workspace.Client();
        Assert.Equal("none", (await (await api.GetAsync("confide/workspace_deletion")).JsonAsync()).Str("state"));

        // A sign-in more than five minutes old must be confirmed first; the form is not kept.
        clock.Advance(TimeSpan.FromMinutes(6));
        var stale = await browser.PostAsync(path, TeammateBrowser.Form(await browser.HtmlAsync(path), new() { ["ConfirmName"] = "Page test", ["GraceDays"] = "3" }));
        Assert.Equal(HttpStatusCode.Redirect, stale.StatusCode);
        Assert.StartsWith("/app/reauthenticate", stale.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("none", (await (await api.GetAsync("confide/workspace_deletion")).JsonAsync()).Str("state"));

        await browser.SignOutAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        var scheduled = await ReadAsync(await browser.PostAsync(path, TeammateBrowser.Form(await browser.HtmlAsync(path), new() { ["ConfirmName"] = "Page test", ["GraceDays"] = "3" })));
        Assert.Contains("data-deletion-scheduled", scheduled, StringComparison.Ordinal);
        var status = await (await api.GetAsync("confide/workspace_deletion")).JsonAsync();
        Assert.Equal("scheduled", status.Str("state"));
        // Every page of the workspace says so, with the way to cancel.
        Assert.Contains("data-deletion-banner", await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}"), StringComparison.Ordinal);

        var cancelled = await ReadAsync(await browser.PostAsync($"app/settings/deletion?handler=Cancel&workspace={workspace.Id}", TeammateBrowser.Form(scheduled, [])));
        Assert.Contains("The deletion is cancelled", cancelled, StringComparison.Ordinal);
        Assert.Equal("none", (await (await api.GetAsync("confide/workspace_deletion")).JsonAsync()).Str("state"));

        // An admin holds nearly every permission, but not this one: no link, and the page is refused.
        var admin = await (await api.PostJsonAsync("confide/teammates", new { email = $"admin-{Guid.NewGuid():N}@example.com", role = "admin" })).JsonAsync();
        var adminEmail = (await (await api.GetAsync($"admins/{admin.Str("id")}")).JsonAsync()).Str("email");
        using var adminBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await adminBrowser.PostPasswordAsync(adminEmail, await server.JoinByInvitationAsync(Region.Eu, adminEmail))).StatusCode);
        Assert.DoesNotContain("/app/settings/deletion", await adminBrowser.HtmlAsync($"app/settings/security?workspace={workspace.Id}"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await adminBrowser.GetAsync(path)).StatusCode);
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
