using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Web;

/// <summary>A reply being typed survives the session ending: the browser keeps it per conversation until it is sent or the teammate signs out.</summary>
public sealed partial class InboxPageTests
{
    private const string DraftsInStorage = "() => Object.keys(localStorage).filter(k => k.startsWith('confide.draft.')).map(k => JSON.parse(localStorage.getItem(k)).text)";

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task ReplyDraft_SurvivesAnExpiredSession_AndIsClearedOnSendAndOnSignOut(string provider)
    {
        var server = await servers.GetAsync(provider);
        var workspace = await server.CreateWorkspaceAsync(Region.Eu);
        using var api = workspace.Client();
        var contactId = await AddContactAsync(api, "drafts@example.com", "Dora Draft");
        var first = await StartConversationAsync(api, contactId, "Can I get a refund?", assignTo: null, workspace);
        var second = await StartConversationAsync(api, contactId, "And another thing", assignTo: null, workspace);

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        var thread = $"/app/inbox/{first}";
        await page.GotoAsync($"{thread}?workspace={workspace.Id}");
        const string Draft = "Yes, the refund of 42 EUR goes out today.\nSorry for the wait.";
        await page.Locator("#body").FillAsync(Draft);
        await page.WaitForFunctionAsync($"d => ({DraftsInStorage})().includes(d)", Draft);

        // The session ends (the cookie is gone): reloading leads to sign-in, and back to the thread with the draft.
        await page.Context.ClearCookiesAsync();
        await page.ReloadAsync();
        await SignInAgainAsync(page, workspace.OwnerEmail, thread);
        await Expect(page.Locator("#body")).ToHaveValueAsync(Draft);
        await Expect(page.Locator("[data-draft-restored]")).ToBeVisibleAsync();

        // Pressing Send after the session ended: sign-in, back to the thread (not an error), the draft still there.
        await page.Context.ClearCookiesAsync();
        await page.ClickAsync("form.reply button[type=submit]");
        await SignInAgainAsync(page, workspace.OwnerEmail, thread);
        await Expect(page.Locator("#body")).ToHaveValueAsync(Draft);

        // Sent: on the thread, and gone from the browser.
        await page.ClickAsync("form.reply button[type=submit]");
        await Expect(page.Locator(".parts")).ToContainTextAsync("the refund of 42 EUR goes out today");
        await Expect(page.Locator("#body")).ToHaveValueAsync("");
        Assert.Empty(await page.EvaluateAsync<string[]>(DraftsInStorage));
        await page.ReloadAsync();
        await Expect(page.Locator("#body")).ToHaveValueAsync("");

        // A draft in one conversation stays in that one only, and signing out clears it.
        await page.GotoAsync($"/app/inbox/{second}?workspace={workspace.Id}");
        await page.Locator("#body").FillAsync("Half a thought");
        await page.WaitForFunctionAsync($"() => ({DraftsInStorage})().length === 1");
        await page.GotoAsync($"{thread}?workspace={workspace.Id}");
        await Expect(page.Locator("#body")).ToHaveValueAsync("");

        // A draft more than a day old (anyone's, on a shared browser) is dropped when a thread opens.
        await page.EvaluateAsync("() => localStorage.setItem('confide.draft.someone-else', JSON.stringify({ text: 'Old customer text', savedAt: Date.now() - 25 * 3600 * 1000 }))");
        await page.ReloadAsync();
        await page.WaitForFunctionAsync("() => localStorage.getItem('confide.draft.someone-else') === null");
        Assert.Single(await page.EvaluateAsync<string[]>(DraftsInStorage));

        await page.ClickAsync("form[action='/app/logout'] button[type=submit]");
        await page.WaitForPathAsync("/app/login");
        Assert.Empty(await page.EvaluateAsync<string[]>(DraftsInStorage));
    }

    /// <summary>Fills the sign-in form the expired session was sent to, and waits to be back at <paramref name="path"/>.</summary>
    private static async Task SignInAgainAsync(IPage page, string email, string path)
    {
        await page.WaitForPathAsync("/app/login");
        await page.FillAsync("#Email", email);
        await page.FillAsync("#Password", TeammateBrowser.OwnerPassword);
        await page.ClickAsync("form:has(#Password) button[type=submit]");
        await page.WaitForPathAsync(path);
    }
}
