using System.Net;
using System.Text.RegularExpressions;

namespace Confide.Tests.Infrastructure;

/// <summary>What an invited person's browser does on <c>/app/invitations</c>: list, accept, decline.</summary>
public static partial class InvitationBrowser
{
    /// <summary>The ids (the pending teammates') of the invitations the signed-in account can answer.</summary>
    public static async Task<IReadOnlyList<string>> PendingInvitationsAsync(this HttpClient browser) =>
        [.. InvitationPattern().Matches(await browser.HtmlAsync("app/invitations")).Select(m => m.Groups[1].Value).Distinct()];

    /// <summary>Posts Accept or Decline for <paramref name="invitationId"/>; returns the page it answers with.</summary>
    public static async Task<string> AnswerInvitationAsync(this HttpClient browser, string invitationId, bool accept)
    {
        var page = await browser.HtmlAsync("app/invitations");
        var response = await browser.PostAsync($"app/invitations?handler={(accept ? "Accept" : "Decline")}",
            TeammateBrowser.Form(page, new() { ["invitation"] = invitationId }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [GeneratedRegex("name=\"invitation\" value=\"([^\"]+)\"")]
    private static partial Regex InvitationPattern();
}
