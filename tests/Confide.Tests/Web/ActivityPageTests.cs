using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confide.Audit;
using Confide.Platform;
using Confide.Server.Pages.App.Activity;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Web;

public sealed partial class ActivityPageTests(Servers servers)
{
    private const string Password = "correct-horse-battery-staple";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Page_ListsSignInAndContactDeletion_AndFilters(string provider)
    {
        var (workspace, contactId, browser) = await SignedInWithDeletedContactAsync(provider);
        using var _ = browser;

        var response = await browser.GetAsync($"app/activity");
        // Only this origin's script files may run (js/passkeys.js): no inline script, no eval.
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-", csp, StringComparison.Ordinal);
        var html = await HtmlAsync(browser, "app/activity");
        Assert.Equal([ActivityTypes.AdminLoginSuccess, ActivityTypes.ContactDeletion, ActivityTypes.WorkspaceCreation], Types(html));
        Assert.Contains($"contact {contactId}", html, StringComparison.Ordinal);
        Assert.Contains(workspace.OwnerEmail, html, StringComparison.Ordinal);
        Assert.Contains("{&quot;sign_in_method&quot;:&quot;password&quot;}", html, StringComparison.Ordinal);

        Assert.Equal([ActivityTypes.ContactDeletion], Types(await HtmlAsync(browser, "app/activity?type=contact_deletion")));
        // The owner did both the sign-in and (through their API token) the deletion; the system created the workspace.
        Assert.Equal([ActivityTypes.AdminLoginSuccess, ActivityTypes.ContactDeletion], Types(await HtmlAsync(browser, $"app/activity?actor={workspace.OwnerId}")));
        var today = DateTimeOffset.UtcNow.UtcDateTime.Date;
        Assert.Empty(Types(await HtmlAsync(browser, $"app/activity?from={Day(today.AddDays(1))}")));
        Assert.Empty(Types(await HtmlAsync(browser, $"app/activity?to={Day(today.AddDays(-1))}")));
        Assert.Equal(3, Types(await HtmlAsync(browser, $"app/activity?from={Day(today.AddDays(-1))}&to={Day(today.AddDays(1))}")).Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync("app/activity?type=not_a_type")).StatusCode);
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Page_PagesNewestFirst_WithNextAndPreviousCursors(string provider)
    {
        var (_, _, browser) = await SignedInWithDeletedContactAsync(provider);
        using var _ = browser;

        var first = await HtmlAsync(browser, "app/activity?per_page=2");
        Assert.Equal([2L, 1L], Sequences(first));
        Assert.Null(Link(first, "prev"));
        var second = await HtmlAsync(browser, Link(first, "next")!);
        Assert.Equal([0L], Sequences(second));
        Assert.Null(Link(second, "next"));
        var back = await HtmlAsync(browser, Link(second, "prev")!);
        Assert.Equal([2L, 1L], Sequences(back));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Downloads_HonourFilters_AndTheExportVerifies(string provider)
    {
        var (workspace, _, browser) = await SignedInWithDeletedContactAsync(provider);
        using var _ = browser;

        var csv = await DownloadAsync(browser, "app/activity?handler=Csv", "text/csv");
        Assert.StartsWith("\uFEFFcreated_at,sequence,id,activity_type,actor_type,actor_id,", csv, StringComparison.Ordinal);
        Assert.Equal(4, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        var deletions = (await DownloadAsync(browser, "app/activity?handler=Csv&type=contact_deletion", "text/csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, deletions.Length);
        Assert.Contains(",contact_deletion,admin,", deletions[1], StringComparison.Ordinal);

        var jsonl = await DownloadAsync(browser, "app/activity?handler=Jsonl", "application/x-ndjson");
        var lines = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l => Assert.Equal("activity", l.Str("kind")));
        Assert.All(lines, l => Assert.Equal(workspace.Id, l.Str("workspace_id")));
        Assert.Equal([2L, 1L, 0L], lines.Select(l => l.GetProperty("sequence").GetInt64()));
        var logins = await DownloadAsync(browser, $"app/activity?handler=Jsonl&type=admin_login_success&actor={workspace.OwnerId}", "application/x-ndjson");
        Assert.Equal(ActivityTypes.AdminLoginSuccess, JsonDocument.Parse(logins.Trim()).RootElement.Str("activity_type"));

        var token = AntiforgeryToken(await HtmlAsync(browser, "app/activity"));
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync($"app/activity?handler=Export&workspace={workspace.Id}", Form())).StatusCode);
        var export = await browser.PostAsync($"app/activity?handler=Export&workspace={workspace.Id}", Form(token));
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition?.DispositionType);
        var bytes = await export.Content.ReadAsByteArrayAsync();
        var report = ActivityLogVerifier.Verify(new MemoryStream(bytes));
        Assert.True(report.Ok, report.Message);
        Assert.Equal(4, report.Entries);
        Assert.Contains("\"activity_type\":\"activity_log_export\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal([ActivityTypes.ActivityLogExport], Types(await HtmlAsync(browser, "app/activity?type=activity_log_export")));
    }

    [Fact]
    public async Task OtherWorkspaces_AnswerNotFound()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var mine = await server.CreateWorkspaceAsync(Region.Eu);
        var theirs = await server.CreateWorkspaceAsync(Region.Eu);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(browser, mine.OwnerEmail);

        foreach (var handler in new[] { "", "&handler=Csv", "&handler=Jsonl" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"app/activity?workspace={theirs.Id}{handler}")).StatusCode);
        }

        var token = AntiforgeryToken(await HtmlAsync(browser, "app/activity"));
        Assert.Equal(HttpStatusCode.NotFound, (await browser.PostAsync($"app/activity?handler=Export&workspace={theirs.Id}", Form(token))).StatusCode);
        using var stranger = server.Browser(Region.Eu, new CookieContainer());
        var anonymous = await stranger.GetAsync("app/activity?handler=Csv");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("admin_login_success", "admin_login_success")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("a=b", "a=b")]
    public void CsvField_NeutralisesFormulasAndQuotesPerRfc4180(string? value, string expected) =>
        Assert.Equal(expected, ActivityCsv.Field(value));

    /// <summary>A workspace whose log holds, oldest first: its creation, a contact deletion (API) and the owner's sign-in (web).</summary>
    private async Task<(TestWorkspace Workspace, string ContactId, HttpClient Browser)> SignedInWithDeletedContactAsync(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = (await (await api.PostJsonAsync("contacts", new { email = "leaving@example.com" })).JsonAsync()).Str("id");
        await (await api.DeleteAsync($"contacts/{contactId}")).JsonAsync();
        var browser = server.Browser(Region.Eu, new CookieContainer());
        await SignInAsync(browser, workspace.OwnerEmail);
        return (workspace, contactId, browser);
    }

    private static async Task SignInAsync(HttpClient browser, string email)
    {
        var response = await browser.PostAsync("app/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = Password,
            ["__RequestVerificationToken"] = AntiforgeryToken(await HtmlAsync(browser, "app/login")),
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    private static async Task<string> HtmlAsync(HttpClient browser, string path)
    {
        var response = await browser.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return html;
    }

    private static async Task<string> DownloadAsync(HttpClient browser, string path, string mediaType)
    {
        var response = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        return Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
    }

    private static FormUrlEncodedContent Form(string? token = null) =>
        new(token is null ? [] : new Dictionary<string, string> { ["__RequestVerificationToken"] = token });

    private static string Day(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static List<string> Types(string html) => [.. TypeCell().Matches(html).Select(m => m.Groups[1].Value)];

    private static List<long> Sequences(string html) => [.. EntryRow().Matches(html).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    /// <summary>The pager link with this rel, relative to the client's base address.</summary>
    private static string? Link(string html, string rel) =>
        PagerLink().Matches(html).FirstOrDefault(m => m.Groups[1].Value == rel) is { } m ? WebUtility.HtmlDecode(m.Groups[2].Value).TrimStart('/') : null;

    private static string AntiforgeryToken(string html) => TokenPattern().Match(html).Groups[1].Value;

    [GeneratedRegex("<td class=\"type\">([^<]+)</td>")]
    private static partial Regex TypeCell();

    [GeneratedRegex("<tr id=\"entry-([0-9]+)\">")]
    private static partial Regex EntryRow();

    [GeneratedRegex("<a rel=\"(next|prev)\" href=\"([^\"]+)\">")]
    private static partial Regex PagerLink();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
