using System.Net;
using System.Text.RegularExpressions;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// The embedded mode's mail: the <c>.eml</c> files a server writes to its outbox directory, read
/// the way an invited person reads their mail, and the invitation link in them followed.
/// </summary>
public static partial class Outbox
{
    /// <summary>The password <see cref="JoinByInvitationAsync"/> chooses for new accounts.</summary>
    public const string JoinedPassword = "joined-through-the-mailed-link";

    public static string DirectoryOf(string dataDirectory) => Path.Combine(dataDirectory, "mail", "outbox");

    /// <summary>Every message sent to <paramref name="address"/>, oldest first.</summary>
    public static IReadOnlyList<MimeMessage> MessagesTo(string dataDirectory, string address)
    {
        var directory = DirectoryOf(dataDirectory);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return [.. Directory.EnumerateFiles(directory, "*.eml").Order(StringComparer.Ordinal)
            .Select(path => MimeMessage.Load(path))
            .Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];
    }

    /// <summary>The path (relative to the server) of the newest invitation link mailed to <paramref name="address"/>.</summary>
    public static string InvitationLinkTo(this TestServer server, string address)
    {
        var messages = MessagesTo(server.DataDirectory, address);
        Assert.True(messages.Count > 0, "No mail was sent to the invited address.");
        var link = LinkPattern().Match(messages[^1].TextBody ?? "");
        Assert.True(link.Success, "The invitation mail holds no link.");
        return link.Groups[1].Value;
    }

    /// <summary>
    /// What a person with no account does with an invitation: opens the mailed link and chooses a
    /// password. Returns the password, for signing in the usual way.
    /// </summary>
    public static async Task<string> JoinByInvitationAsync(this TestServer server, Region region, string address)
    {
        using var browser = server.Browser(region, new CookieContainer());
        var link = server.InvitationLinkTo(address);
        var page = await browser.HtmlAsync(link);
        var joined = await browser.PostAsync(link, TeammateBrowser.Form(page, new() { ["Password"] = JoinedPassword, ["ConfirmPassword"] = JoinedPassword }));
        Assert.True(joined.StatusCode == HttpStatusCode.Redirect, $"Joining answered {(int)joined.StatusCode}: {await joined.Content.ReadAsStringAsync()}");
        return JoinedPassword;
    }

    /// <summary>
    /// Follows the newest link mailed to <paramref name="address"/> the way its person would: with
    /// no account yet, joins (as <see cref="JoinByInvitationAsync"/>) and returns true; with an
    /// account, the page asks to sign in and this returns false (the invitation stays pending).
    /// </summary>
    public static async Task<bool> JoinIfNewAsync(this TestServer server, Region region, string address)
    {
        using var browser = server.Browser(region, new CookieContainer());
        var page = await browser.HtmlAsync(server.InvitationLinkTo(address));
        if (!page.Contains("id=\"join-form\"", StringComparison.Ordinal))
        {
            Assert.Contains("id=\"join-sign-in\"", page, StringComparison.Ordinal);
            return false;
        }

        await server.JoinByInvitationAsync(region, address);
        return true;
    }

    /// <summary>Makes sure the teammate has joined: a pending one (added through the API) joins through its mailed link.</summary>
    public static async Task EnsureJoinedAsync(this TestWorkspace workspace, string teammateId)
    {
        await using (var db = workspace.Server.Cell(workspace.Region).CreateReadContext())
        {
            if (await db.Teammates.AnyAsync(t => t.Id == teammateId && t.AccountId != null))
            {
                return;
            }
        }

        using var api = workspace.Client();
        var email = (await (await api.GetAsync($"admins/{teammateId}")).JsonAsync()).Str("email");
        await workspace.Server.JoinByInvitationAsync(workspace.Region, email);
    }

    [GeneratedRegex(@"https://[^/\s]+/(app/join/[A-Za-z0-9_\-]+)")]
    private static partial Regex LinkPattern();
}
