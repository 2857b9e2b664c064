using Confide.Data;
using Confide.Identity.Sso;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Confide.Server.Pages.App.Sso;

/// <summary>Why an SSO sign-in was refused, by reason code only (the URL carries no email or name).</summary>
[AllowAnonymous]
public sealed class ErrorModel(CurrentCell cell) : PageModel
{
    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        [SsoRefusals.NotConfigured] = "This workspace has no single sign-on set up.",
        [SsoRefusals.ProtocolNotAvailable] = "This workspace's kind of single sign-on is not available on this server.",
        [SsoRefusals.ProviderUnreachable] = "Your identity provider could not be reached. Try again later, or ask your administrator.",
        [SsoRefusals.ConnectionUnusable] = "This workspace's single sign-on needs to be set up again by an administrator.",
        [SsoRefusals.ProviderError] = "Your identity provider did not sign you in.",
        [SsoRefusals.StateInvalid] = "This sign-in was not started here, or it was already used or took too long. Start again.",
        [SsoRefusals.NonceInvalid] = "The identity provider's answer does not belong to this sign-in. Start again.",
        [SsoRefusals.CodeRejected] = "The identity provider refused to complete this sign-in. Start again.",
        [SsoRefusals.TokenInvalid] = "The identity provider's answer could not be verified.",
        [SsoRefusals.EmailMissing] = "Your identity provider did not send an email address.",
        [SsoRefusals.EmailNotVerified] = "Your identity provider has not verified your email address.",
        [SsoRefusals.DomainNotAllowed] = "Your email domain may not sign in to this workspace.",
        [SsoRefusals.NotATeammate] = "You are not a teammate of this workspace. Ask an administrator to add you.",
        [SsoRefusals.DefaultRoleMissing] = "You could not be added to this workspace: its single sign-on role no longer exists.",
        [SsoRefusals.InvitationPending] = "You already have an account on this server, so this workspace has invited you instead of adding you. Sign in the way you usually do, accept the invitation under Invitations, and then single sign-on works here.",
        [SsoRefusals.LockedOut] = "This account is temporarily locked.",
        [SsoRefusals.CorrelationMissing] = "This sign-in was not started in this browser, was already used, or took too long. Start again.",
        [SsoRefusals.SamlInvalid] = "The identity provider's answer could not be verified.",
        [SsoRefusals.Replayed] = "This sign-in was already used. Start again.",
    };

    public string Reason { get; private set; } = "";

    public string Message { get; private set; } = "";

    public void OnGet(string? reason)
    {
        ViewData["Region"] = cell.Region.Code;
        Reason = reason is not null && Messages.ContainsKey(reason) ? reason : "unknown";
        Message = Messages.GetValueOrDefault(Reason, "Single sign-on failed.");
        Response.StatusCode = StatusCodes.Status403Forbidden;
        Response.Headers.CacheControl = "no-store";
    }
}
