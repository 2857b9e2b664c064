using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Confide.Server.Pages.App;

/// <summary>
/// What happens to a change that ran into step-up. It is NOT applied after the re-authentication:
/// the page comes back with a notice and, for forms without secrets, filled with exactly what was
/// submitted, and one more press applies it — through the same handler, with its antiforgery
/// check and a fresh authentication. Replaying it automatically would apply a change the teammate
/// may have stopped meaning minutes later, outside the request that carried their intent and its
/// antiforgery token; refilling costs one click and shows what will change. The values travel in
/// TempData, which is encrypted and signed (data protection) and read once; the antiforgery token
/// is dropped, and forms with passwords or codes keep nothing (<see cref="AfterStepUp.Notice"/>).
/// </summary>
public static class StepUpResumption
{
    public const string NotAppliedMessage = "You confirmed it is you, but your change is not applied yet: check it and submit it again.";

    private const string PageKey = "StepUp.Page";
    private const string AtKey = "StepUp.At";
    private const string FormKey = "StepUp.Form";

    /// <summary>A form larger than this is not kept (the notice still shows): TempData is a cookie.</summary>
    private const int MaxFormChars = 16 * 1024;

    /// <summary>A notice for a change refused longer ago than this would surprise more than help.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The address of the page a request belongs to, with its workspace and nothing else: where to
    /// come back to after a detour (re-authentication, signing in again) that a POST cannot survive.
    /// </summary>
    public static string PageAddressOf(HttpRequest request)
    {
        var workspace = request.Query["workspace"].ToString();
        return (request.Path + (workspace.Length > 0 ? QueryString.Create("workspace", workspace) : QueryString.Empty)).ToString();
    }

    /// <summary>Remembers, for the page at <paramref name="returnUrl"/>, that its POST was refused for step-up.</summary>
    internal static async Task KeepAsync(HttpContext http, string returnUrl, AfterStepUp afterwards, DateTimeOffset now)
    {
        if (afterwards == AfterStepUp.Nothing || !HttpMethods.IsPost(http.Request.Method))
        {
            return;
        }

        var tempData = http.RequestServices.GetRequiredService<ITempDataDictionaryFactory>().GetTempData(http);
        tempData[PageKey] = returnUrl;
        tempData[AtKey] = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        tempData.Remove(FormKey);
        if (afterwards == AfterStepUp.RefillForm && http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var fields = form
                .Where(f => f.Key != "__RequestVerificationToken")
                .ToDictionary(f => f.Key, f => f.Value.ToArray());
            var json = JsonSerializer.Serialize(fields);
            if (json.Length <= MaxFormChars)
            {
                tempData[FormKey] = json;
            }
        }
    }

    /// <summary>
    /// The refused change of this page, if there is one: read once. Null when none, when it was for
    /// another page or workspace, or when it is too old. <see cref="Pending.Form"/> is null when
    /// nothing was kept.
    /// </summary>
    public static Pending? Take(PageModel page)
    {
        var tempData = page.TempData;
        if (tempData.Peek(PageKey) is not string url || url != PageAddressOf(page.Request))
        {
            return null;
        }

        var at = tempData.Peek(AtKey) as string;
        var json = tempData.Peek(FormKey) as string;
        foreach (var key in new[] { PageKey, AtKey, FormKey })
        {
            tempData.Remove(key);
        }

        var now = page.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || now - DateTimeOffset.FromUnixTimeSeconds(seconds) > Lifetime)
        {
            return null;
        }

        return new Pending(json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string[]>>(json));
    }

    /// <param name="Form">The submitted fields (the antiforgery token excepted); null when none were kept.</param>
    public sealed record Pending(IReadOnlyDictionary<string, string[]>? Form)
    {
        public string? Text(string field) => Form?.GetValueOrDefault(field) is [var first, ..] ? first : null;

        /// <summary>A checkbox: the form helpers post "true" before their hidden "false".</summary>
        public bool Flag(string field) => string.Equals(Text(field), "true", StringComparison.OrdinalIgnoreCase);

        public int? Number(string field) => int.TryParse(Text(field), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

        /// <summary>Every value of a repeated field (checked boxes); empty when none was checked.</summary>
        public List<string> All(string field) => [.. Form?.GetValueOrDefault(field) ?? []];
    }
}
