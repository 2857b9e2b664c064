using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Web;

/// <summary>The inbox beyond one page: keyset pages that keep the filter, and a count per filter.</summary>
public sealed partial class InboxPageTests
{
    /// <summary>The page size of the list (<c>IndexModel.PageSize</c>).</summary>
    private const int PageSize = 50;

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task List_PagesThroughMoreThanAHundred_KeepsTheFilter_AndCountsEachFilter(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = await AddContactAsync(api, "paging@example.com", "Pat Paging");
        // 120 conversations, 4 writers at a time: 7 assigned to the owner, 5 closed (none of those assigned).
        var ids = new string[120];
        for (var batch = 0; batch < ids.Length; batch += 4)
        {
            await Task.WhenAll(Enumerable.Range(batch, 4).Select(async i =>
                ids[i] = await StartConversationAsync(api, contactId, $"Message number {i}", assignTo: i < 7 ? workspace.OwnerId : null, workspace)));
        }

        foreach (var id in ids[^5..])
        {
            await (await api.PostJsonAsync($"conversations/{id}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();
        }

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        await page.GotoAsync($"/app/inbox?workspace={workspace.Id}&state=all");

        // Every filter's count, on every page.
        var expected = new Dictionary<string, int> { ["open"] = 115, ["mine"] = 7, ["unassigned"] = 108, ["closed"] = 5, ["all"] = 120 };
        foreach (var (filter, count) in expected)
        {
            await Expect(page.Locator($".filters .count[data-filter={filter}]")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // Forward through "all": 50, 50, 20, each row once, newest first, the filter kept.
        var seen = new List<string>();
        var pages = new List<List<string>>();
        for (var expectedRows = new[] { PageSize, PageSize, 20 }.AsEnumerable().GetEnumerator(); expectedRows.MoveNext();)
        {
            await Expect(page.Locator(".list ol > li")).ToHaveCountAsync(expectedRows.Current);
            var listed = await ListedIdsAsync(page);
            var times = await page.Locator(".list ol > li time").EvaluateAllAsync<string[]>("ts => ts.map(t => t.getAttribute('datetime'))");
            Assert.Equal(times.OrderDescending(StringComparer.Ordinal), times);
            pages.Add(listed);
            seen.AddRange(listed);
            var url = new Uri(page.Url);
            Assert.Contains("state=all", url.Query, StringComparison.Ordinal);
            var older = page.Locator(".pager a[rel=next]");
            if (seen.Count == ids.Length)
            {
                await Expect(older).ToHaveCountAsync(0);
                break;
            }

            await older.ClickAsync();
            await page.WaitForAddressAsync(u => u.Contains("after=", StringComparison.Ordinal) && new Uri(u).AbsoluteUri != url.AbsoluteUri, "the next older page");
            AssertCursorHoldsNoPersonalData(new Uri(page.Url), "after");
        }

        Assert.Equal(ids.Length, seen.Distinct().Count());
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        await Expect(page.Locator(".filters .count[data-filter=all]")).ToHaveTextAsync("120");

        // Back: the previous page is exactly what it was, and the first page has no "newer" link.
        await page.Locator(".pager a[rel=prev]").ClickAsync();
        await page.WaitForAddressAsync(u => u.Contains("before=", StringComparison.Ordinal), "the newer page");
        AssertCursorHoldsNoPersonalData(new Uri(page.Url), "before");
        await Expect(page.Locator(".list ol > li")).ToHaveCountAsync(PageSize);
        Assert.Equal(pages[1], await ListedIdsAsync(page));
        await page.Locator(".pager a[rel=prev]").ClickAsync();
        await Expect(page.Locator(".pager a[rel=prev]")).ToHaveCountAsync(0);
        Assert.Equal(pages[0], await ListedIdsAsync(page));

        // Another filter pages through its own rows only.
        await page.Locator(".filters a:has(.count[data-filter=open])").ClickAsync();
        await page.WaitForAddressAsync(u => u.Contains("state=open", StringComparison.Ordinal), "the Open filter");
        var open = ids[..115].ToHashSet();
        var firstOpen = await ListedIdsAsync(page);
        await page.Locator(".pager a[rel=next]").ClickAsync();
        await page.WaitForAddressAsync(u => u.Contains("after=", StringComparison.Ordinal), "the Open filter's older page");
        Assert.Contains("state=open", page.Url, StringComparison.Ordinal);
        var secondOpen = await ListedIdsAsync(page);
        Assert.Equal(2 * PageSize, firstOpen.Concat(secondOpen).Distinct().Count(open.Contains));
    }

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task Counts_ForARoleThatReadsOnlyItsOwn_CountOnlyThose(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var role = (await (await api.PostJsonAsync("confide/roles", new { name = "Assigned only", permissions = new[] { "conversations.read.assigned" } })).JsonAsync()).Str("id");
        var scoped = await AddTeammateAsync(server, api, role, "Sam Scoped");
        var contactId = await AddContactAsync(api, "counts@example.com", "Cora Count");
        await StartConversationAsync(api, contactId, "Nobody's", assignTo: null, workspace);
        await StartConversationAsync(api, contactId, "The owner's", assignTo: workspace.OwnerId, workspace);
        await StartConversationAsync(api, contactId, "Sam's, open", assignTo: scoped.Id, workspace);
        var closed = await StartConversationAsync(api, contactId, "Sam's, closed", assignTo: scoped.Id, workspace);
        await (await api.PostJsonAsync($"conversations/{closed}/parts", new { message_type = "close", type = "admin", admin_id = workspace.OwnerId })).JsonAsync();

        static Dictionary<string, string> CountsIn(string html) =>
            CountPattern().Matches(html).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        using var samBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await samBrowser.PostPasswordAsync(scoped.Email, scoped.Password)).StatusCode);
        Assert.Equal(
            new Dictionary<string, string> { ["open"] = "1", ["mine"] = "1", ["unassigned"] = "0", ["closed"] = "1", ["snoozed"] = "0", ["all"] = "2" },
            CountsIn(await samBrowser.HtmlAsync($"app/inbox?workspace={workspace.Id}")));
        using var ownerBrowser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await ownerBrowser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);
        Assert.Equal(
            new Dictionary<string, string> { ["open"] = "3", ["mine"] = "1", ["unassigned"] = "1", ["closed"] = "1", ["snoozed"] = "0", ["all"] = "4" },
            CountsIn(await ownerBrowser.HtmlAsync($"app/inbox?workspace={workspace.Id}")));
    }

    [GeneratedRegex("class=\"count\" data-filter=\"([a-z]+)\">([0-9]+)<")]
    private static partial Regex CountPattern();

    [Fact]
    public async Task List_WithAMalformedCursor_ShowsTheFirstPage()
    {
        var server = await servers.GetAsync(Providers.Sqlite);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = await AddContactAsync(api, "cursor@example.com", "Cy Cursor");
        var id = await StartConversationAsync(api, contactId, "Only one", assignTo: null, workspace);
        using var browser = server.Browser(Region.Eu, new CookieContainer());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostPasswordAsync(workspace.OwnerEmail)).StatusCode);

        var notACursor = Base64Url.EncodeToString("1.x'--"u8);
        foreach (var cursor in new[] { "%%%", "AAAA", notACursor, new string('A', 5000), Base64Url.EncodeToString("-5.0123"u8) })
        {
            foreach (var direction in new[] { "after", "before" })
            {
                var html = await browser.HtmlAsync($"app/inbox?workspace={workspace.Id}&{direction}={Uri.EscapeDataString(cursor)}");
                Assert.Contains($"/app/inbox/{id}?", html, StringComparison.Ordinal);
            }
        }
    }

    private static async Task<List<string>> ListedIdsAsync(IPage page) =>
        [.. (await page.Locator(".list ol > li > a").EvaluateAllAsync<string[]>("links => links.map(a => new URL(a.href).pathname.split('/').pop())"))];

    /// <summary>The cursor is a row's time and id: no name, email or message text.</summary>
    private static void AssertCursorHoldsNoPersonalData(Uri url, string parameter)
    {
        var value = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query)[parameter].ToString();
        var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
        Assert.Matches("^[0-9]+\\.[0-9a-f]{24}$", decoded);
    }
}
