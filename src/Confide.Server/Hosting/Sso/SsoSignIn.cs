using System.Security.Claims;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Sso;
using Microsoft.AspNetCore.Identity;

namespace Confide.Server.Hosting.Sso;

/// <summary>
/// The protocol-neutral end of every SSO sign-in: given what a workspace's identity provider
/// vouched for (<see cref="SsoAssertion"/>), finds or provisions the teammate
/// (<see cref="SsoTeammates"/>), refuses locked-out accounts, issues Identity's session cookie
/// marked as an SSO session of this workspace, and records it. This is the only place an SSO
/// session is created: the protocol handlers' own principals never become sessions.
/// </summary>
internal sealed class SsoSignIn(
    CurrentCell cell,
    SsoTeammates teammates,
    UserManager<TeammateAccount> users,
    SignInManager<TeammateAccount> signInManager,
    ILogger<SsoSignIn> logger)
{
    /// <summary>Signs in and returns where to send the browser, or returns the refusal's error page.</summary>
    public async Task<IResult> CompleteAsync(HttpContext http, SsoConnection connection, SsoAssertion assertion)
    {
        if (assertion.Refusal is not null || assertion.Email is null)
        {
            return await RefuseAsync(http, connection, null, assertion.Refusal ?? SsoRefusals.EmailMissing);
        }

        var ip = http.Connection.RemoteIpAddress?.ToString();
        var resolved = await teammates.ResolveAsync(cell.Database, connection, assertion.Email, assertion.Name, ip, http.RequestAborted);
        if (resolved.Refusal is { } refusal || resolved.Account is null)
        {
            return await RefuseAsync(http, connection, resolved.Account, resolved.Refusal ?? SsoRefusals.NotATeammate);
        }

        // Reloaded through Identity's store: the tracked account the sign-in manager stamps and checks.
        var account = await users.FindByIdAsync(resolved.Account.Id);
        if (account is null)
        {
            return await RefuseAsync(http, connection, null, SsoRefusals.NotATeammate);
        }

        if (await users.IsLockedOutAsync(account))
        {
            return await RefuseAsync(http, connection, account, SsoRefusals.LockedOut);
        }

        await signInManager.SignInWithClaimsAsync(account, isPersistent: false,
            [new Claim(SessionClaims.Method, SignInMethods.Sso), new Claim(SessionClaims.SsoWorkspace, connection.WorkspaceId)]);
        await SignInActivity.RecordSignInAsync(http, signInManager, account.Id, "Signed in with single sign-on.",
            new JsonObject { ["sign_in_method"] = SignInMethods.Sso, ["protocol"] = connection.Protocol }, connection.WorkspaceId);
        return Results.Redirect($"/app/inbox?workspace={Uri.EscapeDataString(connection.WorkspaceId)}");
    }

    /// <summary>Refuses before any account is looked at (no connection, protocol not available, provider down).</summary>
    public IResult Refuse(string workspaceId, string reason)
    {
        SsoLog.SignInRefused(logger, workspaceId, reason);
        return ErrorPage(reason);
    }

    public static IResult ErrorPage(string reason) => Results.Redirect($"/app/sso/error?reason={Uri.EscapeDataString(reason)}");

    private Task<IResult> RefuseAsync(HttpContext http, SsoConnection connection, TeammateAccount? account, string reason)
    {
        SsoLog.SignInRefused(logger, connection.WorkspaceId, reason);
        if (account is not null)
        {
            // Recorded in the account's own workspaces, after the answer: neither the answer nor its
            // time may tell this workspace's identity provider that the address has an account.
            SignInActivity.RecordAfterAnswer(http, account.Id, ActivityTypes.AdminLoginFailure, "A single sign-on was refused.",
                new JsonObject { ["sign_in_method"] = SignInMethods.Sso, ["protocol"] = connection.Protocol, ["reason"] = reason });
        }

        return Task.FromResult(ErrorPage(reason));
    }
}
