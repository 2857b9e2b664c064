using System.Net;
using Confide.Identity;
using Confide.Identity.Passwords;
using Confide.Platform;
using Confide.Server;
using Confide.Tests.Infrastructure;
using Confide.Tests.Unit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Web;

/// <summary>
/// A server given a breach corpus refuses breached passwords on change and at workspace
/// creation; one given a bad corpus does not start. SQLite only: the check never touches the database.
/// </summary>
public sealed class BreachedPasswordTests : IDisposable
{
    private const string Breached = "P@ssw0rd-breached-1";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("confide-breach-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task ChangingThePassword_ToABreachedOne_IsRefused_AndAFreshOneAccepted()
    {
        var corpus = WriteCorpus();
        await using var server = await TestServer.StartAsync(Providers.Sqlite, configure: b => b.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["Confide:Passwords:BreachedSha1File"] = corpus }));
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

        var refused = await ChangeAsync(TeammateBrowser.OwnerPassword, Breached);
        Assert.Contains("This password has appeared in a data breach; choose another.", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(BreachedPasswordsTests.Sha1(Breached), refused, StringComparison.OrdinalIgnoreCase);
        var fresh = $"Fresh-{Guid.NewGuid():N}!"; // random, so in no corpus; Identity's composition rules still apply
        Assert.Contains("Your password was changed", await ChangeAsync(TeammateBrowser.OwnerPassword, fresh), StringComparison.Ordinal);

        // The owner's first password is set without UserManager; it gets the same check.
        await using var scope = server.Services.CreateAsyncScope();
        var bootstrapper = scope.ServiceProvider.GetRequiredService<WorkspaceBootstrapper>();
        var error = await Assert.ThrowsAsync<ConfideException>(() => bootstrapper.CreateAsync(
            server.Cell(Region.Eu), new("Breached", $"breached-{Guid.NewGuid():N}@example.com", null, Breached), CancellationToken.None));
        Assert.Equal("parameter_invalid", error.Error.Code);
        Assert.Equal(BreachedPasswords.Message, error.Error.Message);
    }

    [Fact]
    public async Task AServerGivenAMalformedCorpus_DoesNotStart_AndSaysWhichSetting()
    {
        var corpus = Path.Combine(_directory.FullName, "ntlm.txt");
        await File.WriteAllTextAsync(corpus, "8846F7EAEE8FB117AD06BDD830B7586C:52579\n"); // the downloader's NTLM variant
        var builder = ConfideHost.CreateBuilder([
            $"--Confide:DataDirectory={Path.Combine(_directory.FullName, "data")}",
            $"--Confide:Passwords:BreachedSha1File={corpus}",
            "--Logging:LogLevel:Default=None"]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = ConfideHost.Build(builder);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Confide:Passwords:BreachedSha1File", error.Message, StringComparison.Ordinal);
    }

    private string WriteCorpus()
    {
        var random = new Random(7);
        var hash = new byte[20];
        var lines = new SortedSet<string>(StringComparer.Ordinal) { $"{BreachedPasswordsTests.Sha1(Breached)}:3" };
        while (lines.Count < 3000)
        {
            random.NextBytes(hash);
            lines.Add($"{Convert.ToHexString(hash)}:{random.Next(1, 1000)}");
        }

        var path = Path.Combine(_directory.FullName, "pwnedpasswords.txt");
        File.WriteAllText(path, string.Join("\r\n", lines) + "\r\n");
        return path;
    }
}
