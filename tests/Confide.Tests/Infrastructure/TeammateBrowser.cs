using System.Net;
using System.Text.RegularExpressions;

namespace Confide.Tests.Infrastructure;

/// <summary>What a teammate's browser does with the server-rendered pages: read them, post their forms, sign in.</summary>
public static partial class TeammateBrowser
{
    /// <summary>The password <see cref="TestServer.CreateWorkspaceAsync"/> gives owners.</summary>
    public const string OwnerPassword = "correct-horse-battery-staple";

    public static string AntiforgeryToken(string html) => TokenPattern().Match(html).Groups[1].Value;

    /// <summary>GETs a page that must answer 200; returns its HTML.</summary>
    public static async Task<string> HtmlAsync(this HttpClient browser, string path)
    {
        var response = await browser.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return html;
    }

    /// <summary>The form fields plus the antiforgery token of <paramref name="page"/> (any page with a form, e.g. the layout's sign-out).</summary>
    public static FormUrlEncodedContent Form(string page, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryToken(page);
        return new FormUrlEncodedContent(fields);
    }

    /// <summary>Posts the password form; the caller checks the answer (302 on success, 200 with a message on failure).</summary>
    public static async Task<HttpResponseMessage> PostPasswordAsync(this HttpClient browser, string email, string password = OwnerPassword)
    {
        var form = await browser.HtmlAsync("app/login");
        return await browser.PostAsync("app/login", Form(form, new() { ["Email"] = email, ["Password"] = password }));
    }

    /// <summary>Signs out with the sign-out form of <paramref name="pageWithLayout"/>.</summary>
    public static async Task SignOutAsync(this HttpClient browser, string pageWithLayout) =>
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("app/logout", Form(pageWithLayout, []))).StatusCode);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
