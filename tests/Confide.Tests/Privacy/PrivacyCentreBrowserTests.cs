using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Confide.Audit;
using Confide.Platform;
using Confide.Privacy.Erasure;
using Confide.Tests.Audit;
using Confide.Tests.Infrastructure;
using Confide.Tests.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Confide.Tests.Privacy;

/// <summary>
/// The privacy centre in a real Chromium, as a privacy officer works: an access request recorded by
/// email, its export started and its archive downloaded; an erasure request moved along, erased
/// behind step-up, and its receipt downloaded and verified against the region's published keys.
/// </summary>
public sealed class PrivacyCentreBrowserTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory, MemberData(nameof(Providers.All), MemberType = typeof(Providers))]
    public async Task AnOfficer_ExportsASubject_AndErasesAnother_BehindStepUp_AndGetsAReceiptThatVerifies(string provider)
    {
        var clock = new ShiftedClock();
        await using var server = await TestServer.StartAsync(provider, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var workspace = await server.CreateWorkspaceAsync(Region.Eu, "Northwind Support");
        using var api = workspace.Client();
        var asking = await ContactAsync(api, workspace.OwnerId, "vera.lindqvist@example.com", "Vera Lindqvist", "Where is my order #1042?");
        var leaving = await ContactAsync(api, workspace.OwnerId, "tomas.berg@example.com", "Tomas Berg", "Please delete my account.");

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.NewPageAsync(server.BaseUrl(Region.Eu));
        await PasskeyTests.SignInWithPasswordAsync(page, workspace.OwnerEmail);
        var centre = $"/app/privacy?workspace={workspace.Id}";

        // An access request, found by the email the person wrote from.
        var access = await RecordAsync(page, api, centre, "access", "vera.lindqvist@example.com", asking);
        await page.ClickAsync($"#request-{access} a[aria-label$='details']");
        await page.WaitForPathAsync($"/app/privacy/requests/{access}");
        await page.ClickAsync("#start-export");
        await Expect(page.Locator("p.notice")).ToContainTextAsync("started");
        await Poll.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.Locator("#download-export").CountAsync();
        }, count => count == 1, Wait, "the export's download link");
        await page.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("privacy-request-export.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-export"));
        var exportId = (await (await api.GetAsync($"confide/privacy_requests/{access}/export")).JsonAsync()).Str("id");
        Assert.Equal($"subject-export-{exportId}.zip", download.SuggestedFilename);
        using (var zip = new ZipArchive(new MemoryStream(await File.ReadAllBytesAsync(await download.PathAsync()))))
        {
            Assert.Equal(["index.html", "subject.json"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
            using var reader = new StreamReader(zip.GetEntry("subject.json")!.Open());
            var text = await reader.ReadToEndAsync();
            Assert.Contains("vera.lindqvist@example.com", text, StringComparison.Ordinal);
            Assert.Contains("Where is my order #1042?", text, StringComparison.Ordinal);
            Assert.DoesNotContain("tomas.berg@example.com", text, StringComparison.Ordinal);
        }

        var downloaded = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.SubjectExportDownload);
        Assert.Equal(("web", workspace.OwnerId), (downloaded.Str("performed_via"), downloaded.GetProperty("performed_by").Str("id")));

        // An erasure request: verified, started, then erased from its page.
        var erasure = await RecordAsync(page, api, centre, "erasure", "tomas.berg@example.com", leaving);
        await page.ClickAsync($"button[aria-label='Verify identity: request {erasure}']");
        await Expect(page.Locator("p.notice")).ToContainTextAsync("verifying");
        await page.ClickAsync($"button[aria-label='Start: request {erasure}']");
        await Expect(page.Locator("p.notice")).ToContainTextAsync("in_progress");
        await page.ClickAsync($"#request-{erasure} a[aria-label^='Erase the subject']");
        await page.WaitForPathAsync($"/app/privacy/requests/{erasure}");
        await Expect(page.Locator("#erase-now")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = DocsScreenshots.PathFor("privacy-request-erasure.png"), FullPage = true });

        // The sign-in is more than five minutes old: step-up first, and nothing is erased until the button is pressed again.
        clock.Advance(TimeSpan.FromMinutes(6));
        await page.CheckAsync("#confirm-erase");
        await page.ClickAsync("#erase-now");
        await page.WaitForPathAsync("/app/reauthenticate");
        await page.FillAsync("#Answer", TeammateBrowser.OwnerPassword);
        await page.ClickAsync("form:has(#Answer) button[type=submit]");
        await page.WaitForPathAsync($"/app/privacy/requests/{erasure}");
        await Expect(page.Locator("[data-step-up-pending]")).ToContainTextAsync("nothing was erased yet");
        await (await api.GetAsync($"contacts/{leaving}")).JsonAsync();

        await page.CheckAsync("#confirm-erase");
        await page.ClickAsync("#erase-now");
        await Expect(page.Locator("p.notice")).ToContainTextAsync("Erased");
        await (await api.GetAsync($"contacts/{leaving}")).ErrorAsync(HttpStatusCode.NotFound, "not_found");

        // The purge may finish a little later: the receipt shows when it exists.
        await Poll.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.Locator("#download-receipt").CountAsync();
        }, count => count == 1, Wait, "the receipt's download link");
        await Expect(page.Locator("#request-state")).ToContainTextAsync("completed");
        var receiptDownload = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-receipt"));
        var receipt = await File.ReadAllBytesAsync(await receiptDownload.PathAsync());

        Assert.Equal(await (await api.GetAsync($"confide/privacy_requests/{erasure}/receipt")).Content.ReadAsByteArrayAsync(), receipt);
        Assert.Equal(erasure, JsonDocument.Parse(receipt).RootElement.Str("privacy_request_id"));
        using var anonymous = server.Client(Region.Eu);
        var keys = await anonymous.GetByteArrayAsync(ActivityLogKeyEndpoints.Path.TrimStart('/'));
        var verdict = ErasureReceiptVerifier.Verify(receipt, ErasureReceiptVerifier.FromKeysDocument(keys));
        Assert.True(verdict.Ok, verdict.Message);

        var deletion = Assert.Single(await ActivityLogTests.AllEntriesAsync(api), e => e.Str("activity_type") == ActivityTypes.ContactDeletion);
        Assert.Equal(("web", leaving), (deletion.Str("performed_via"), deletion.GetProperty("target").Str("id")));
    }

    /// <summary>Records a request through the privacy centre's form and returns its id.</summary>
    private static async Task<string> RecordAsync(IPage page, HttpClient api, string centre, string kind, string email, string contactId)
    {
        await page.GotoAsync(centre);
        await page.SelectOptionAsync("#kind", kind);
        await page.SelectOptionAsync("#via", "email");
        await page.SelectOptionAsync("#identifier-type", "email");
        await page.FillAsync("#identifier", email);
        await page.ClickAsync("#new-request button[type=submit]");
        await Expect(page.Locator("p.notice")).ToContainTextAsync($"recorded for contact {contactId}");
        var list = await (await api.GetAsync("confide/privacy_requests?state=all")).JsonAsync();
        return list.GetProperty("data").EnumerateArray().Single(r => r.Str("kind") == kind && r.Str("contact_id") == contactId).Str("id");
    }

    private static async Task<string> ContactAsync(HttpClient api, string ownerId, string email, string name, string message)
    {
        var id = (await (await api.PostJsonAsync("contacts", new { email, name })).JsonAsync()).Str("id");
        var conversation = (await (await api.PostJsonAsync("conversations", new { from = new { type = "user", id }, body = message })).JsonAsync()).Str("conversation_id");
        await (await api.PostJsonAsync($"conversations/{conversation}/reply", new { type = "admin", admin_id = ownerId, message_type = "comment", body = "We are on it." })).JsonAsync();
        return id;
    }
}
