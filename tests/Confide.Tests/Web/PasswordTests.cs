using System.Net;
using Confide.Identity;
using Confide.Identity.Passwords;
using Confide.Platform;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Web;

/// <summary>Passwords attackers try first are refused, at workspace creation and on change; a change needs the current password.</summary>
public sealed class PasswordTests(Servers servers)
{
    [Theory]
    [InlineData("password", true)]
    [InlineData("Password1234!", true)]
    [InlineData("qwertyuiop123", true)]
    [InlineData("dragondragondragon", true)]
    [InlineData("2024letmein2024", true)]
    [InlineData("ada.lovelace-rocks", true)] // built on the email name
    [InlineData("correct-horse-battery-staple", false)]
    [InlineData("vq7-Plum-Harbor-92", false)]
    public void CommonAndPersonalPasswords_AreRefused(string password, bool refused) =>
        Assert.Equal(refused, CommonPasswords.Problem(password, "ada.lovelace@example.com") is not null);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ChangingThePassword_NeedsTheCurrentOne_AndRefusesCommonOnes(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);

        async Task<string> ChangeAsync(string current, string next)
        {
            var page = await browser.HtmlAsync("app/security");
            var response = await browser.PostAsync("app/security?handler=ChangePassword", TeammateBrowser.Form(page, new() { ["CurrentPassword"] = current, ["NewPassword"] = next }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        Assert.Contains("current password is not right", await ChangeAsync("wrong-current-password", "vq7-Plum-Harbor-92"), StringComparison.Ordinal);
        Assert.Contains("too common", await ChangeAsync(TeammateBrowser.OwnerPassword, "Password1234!"), StringComparison.Ordinal);
        Assert.Contains("Your password was changed", await ChangeAsync(TeammateBrowser.OwnerPassword, "vq7-Plum-Harbor-92"), StringComparison.Ordinal);

        using var fresh = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.OK, (await fresh.PostPasswordAsync(workspace.OwnerEmail)).StatusCode); // the old one no longer works
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.PostPasswordAsync(workspace.OwnerEmail, "vq7-Plum-Harbor-92")).StatusCode);

        using var api = workspace.Client();
        Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == "admin_password_change");

        // A common first password is refused when the workspace is created.
        await using var scope = server.Services.CreateAsyncScope();
        var bootstrapper = scope.ServiceProvider.GetRequiredService<WorkspaceBootstrapper>();
        var error = await Assert.ThrowsAsync<ConfideException>(() => bootstrapper.CreateAsync(
            server.Cell(Region.Eu), new("Weak", $"weak-{Guid.NewGuid():N}@example.com", null, "qwertyuiop123"), CancellationToken.None));
        Assert.Equal("parameter_invalid", error.Error.Code);
    }
}
