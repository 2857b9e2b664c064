using System.Text.Json;
using Microsoft.Playwright;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A real Chromium, headless, driven by Playwright: the system's browser (Debian's
/// <c>chromium</c>, which scripts/test.sh installs), never one Playwright downloads. Each
/// <see cref="NewPageAsync"/> is a fresh profile (own cookies) that accepts the test server's
/// local certificate. Dispose closes the browser gracefully: killed Chromium processes linger
/// as zombies.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Where Debian's package puts it; <c>CONFIDE_TEST_CHROMIUM</c> overrides.</summary>
    public const string DefaultExecutable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable("CONFIDE_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : DefaultExecutable;
        if (!File.Exists(executable))
        {
            Assert.Fail($"Chromium is not installed at {executable}: the passkey tests need a real browser. Install Debian's 'chromium' package (scripts/test.sh does) or set CONFIDE_TEST_CHROMIUM.");
        }

        // Expectations wait as long as actions do (see NewPageAsync).
        Assertions.SetDefaultExpectTimeout(45_000);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = executable,
                Headless = true,
                // Containers without user namespaces cannot start Chromium's sandbox.
                Args = ["--no-sandbox"],
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A page in a new, empty profile whose relative URLs resolve against <paramref name="baseUrl"/>.</summary>
    public Task<IPage> NewPageAsync(Uri baseUrl) => NewPageAsync(baseUrl, new());

    /// <summary>
    /// As <see cref="NewPageAsync(Uri)"/>, with more options for the profile: a phone's screen
    /// (<see cref="Phone"/>), or no Content-Security-Policy so a test tool's script can be added (<see cref="Axe"/>).
    /// </summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl, BrowserNewContextOptions options)
    {
        // The server's certificate comes from its own local CA, which this profile does not know.
        options.IgnoreHTTPSErrors = true;
        options.BaseURL = baseUrl.ToString();
        var context = await _browser.NewContextAsync(options);
        // Generous: on a loaded two-core CI machine a sign-in round trip can take several seconds.
        context.SetDefaultTimeout(45_000);
        return await context.NewPageAsync();
    }

    /// <summary>A phone's screen (390 × 844 CSS pixels, as an iPhone 14's), touch and the mobile viewport rules.</summary>
    public static BrowserNewContextOptions Phone() => new()
    {
        ViewportSize = new() { Width = 390, Height = 844 },
        DeviceScaleFactor = 2,
        IsMobile = true,
        HasTouch = true,
    };

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}

/// <summary>
/// A CTAP2 platform authenticator simulated by Chromium (DevTools protocol, WebAuthn domain):
/// it holds discoverable credentials, verifies the user (as a fingerprint or PIN would) and
/// confirms presence automatically. It belongs to one page.
/// </summary>
public sealed class VirtualAuthenticator
{
    private readonly ICDPSession _devTools;

    private VirtualAuthenticator(ICDPSession devTools, string id)
    {
        _devTools = devTools;
        Id = id;
    }

    public string Id { get; }

    public static async Task<VirtualAuthenticator> AttachAsync(IPage page)
    {
        var devTools = await page.Context.NewCDPSessionAsync(page);
        await devTools.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
        var added = await devTools.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        return new VirtualAuthenticator(devTools, added!.Value.GetProperty("authenticatorId").GetString()!);
    }

    /// <summary>The credentials the authenticator holds, private keys included (base64 PKCS#8 in <c>privateKey</c>).</summary>
    public async Task<IReadOnlyList<JsonElement>> CredentialsAsync()
    {
        var result = await _devTools.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = Id });
        return [.. result!.Value.GetProperty("credentials").EnumerateArray()];
    }
}
