using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// Waits after a redirect that poll the page instead of waiting for Chromium's lifecycle events.
/// On a loaded machine, Playwright was seen to miss a redirected page's load and DOM-ready events
/// for 15–45 s while the page was already there with its form.
/// </summary>
public static class BrowserWaits
{
    /// <summary>
    /// Whether the page reaches <paramref name="path"/> (any query) within the timeout, with its
    /// document parsed, as the DOM-ready event would have said.
    /// </summary>
    public static async Task<bool> ReachesPathAsync(this IPage page, string path, float timeoutMs = 20_000)
    {
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(PathPattern(path), new() { Timeout = timeoutMs });
            await page.WaitForFunctionAsync("() => document.readyState !== 'loading'", null, new() { Timeout = timeoutMs });
            return true;
        }
        catch (PlaywrightException)
        {
            return false;
        }
    }

    /// <summary>Waits until the page is at <paramref name="path"/> (any query) with its document parsed, or fails naming where it is.</summary>
    public static async Task WaitForPathAsync(this IPage page, string path, float timeoutMs = 20_000)
    {
        if (!await page.ReachesPathAsync(path, timeoutMs))
        {
            throw new Xunit.Sdk.XunitException($"The browser did not reach {path}; it is at {new Uri(page.Url).AbsolutePath}.");
        }
    }

    /// <summary>
    /// Waits until the page's address satisfies <paramref name="matches"/> and its document is
    /// parsed: Playwright's own <c>WaitForURLAsync</c> then waits for the load event as well,
    /// which is the event it was seen to miss.
    /// </summary>
    public static async Task WaitForAddressAsync(this IPage page, Func<string, bool> matches, string what, float timeoutMs = 20_000)
    {
        await Poll.UntilAsync(() => matches(page.Url), TimeSpan.FromMilliseconds(timeoutMs), what);
        // A function, not a bare expression: Playwright polls an expression with eval(), which the
        // pages' Content-Security-Policy refuses (seen when the document was still loading).
        await page.WaitForFunctionAsync("() => document.readyState !== 'loading'", null, new() { Timeout = timeoutMs });
    }

    /// <summary>Waits until the document has finished loading, as the page itself reports it.</summary>
    public static Task SettledAsync(this IPage page) =>
        page.WaitForFunctionAsync("() => document.readyState === 'complete'");

    private static Regex PathPattern(string path) => new($"^https?://[^/]+{Regex.Escape(path)}(?:[?#].*)?$");
}
