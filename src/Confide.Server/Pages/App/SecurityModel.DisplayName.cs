using System.Security.Claims;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App;

/// <summary>
/// The teammate's display name in the selected workspace (each workspace has its own): what
/// customers see on replies in the messenger and colleagues see in the inbox. An SSO session may
/// change it too, in the one workspace its identity provider signed it in to.
/// </summary>
public sealed partial class SecurityModel
{
    public const string DisplayNameHandler = "DisplayName";

    [BindProperty(SupportsGet = true, Name = "workspace")]
    public string? WorkspaceId { get; set; }

    [BindProperty]
    public string? DisplayName { get; set; }

    /// <summary>The workspace whose name is shown and edited; null for an account without one.</summary>
    public Membership? NameWorkspace { get; private set; }

    public int DisplayNameMaxLength => TeammateDisplayNames.MaxLength;

    public async Task<IActionResult> OnPostDisplayNameAsync()
    {
        var wanted = DisplayName;
        if (await LoadAsync() is null)
        {
            return Challenge();
        }

        if (NameWorkspace is not { } membership)
        {
            return NotFound();
        }

        // The workspace's own rules hold for its data, as on its pages: its address list, how it
        // wants teammates signed in, its shorter session limits and its two-factor requirement.
        var now = HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!IpAllowlist.Allows(membership.IpAllowlist, HttpContext.Connection.RemoteIpAddress) || !SignInPolicy.IsSatisfied(membership, User)
            || Hosting.TeammateSessionTimes.Of(HttpContext) is { } times && times.ExceedsLimitsOf(membership, now))
        {
            Error = "This workspace does not accept changes from this session or address.";
            return Page();
        }

        if (membership.RequiresTwoFactor && !IsSsoSession && !await HasStrongFactorAsync())
        {
            Error = "This workspace requires two-factor sign-in: set up an authenticator app or a passkey first.";
            return Page();
        }

        try
        {
            await names.ChangeOwnAsync(cell.Database, membership.WorkspaceId, membership.TeammateId, wanted, HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
        }
        catch (ConfideException e) when (e.Error.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Error = e.Error.Message;
            DisplayName = wanted;
            return Page();
        }

        await LoadAsync();
        Message = "Your display name was changed.";
        return Page();
    }

    private async Task<bool> HasStrongFactorAsync()
    {
        var users = HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Confide.Data.Model.TeammateAccount>>();
        return await users.GetUserAsync(User) is { } account && await Confide.Identity.Passkeys.StrongFactors.HasAnyAsync(users, account);
    }

    private async Task LoadDisplayNameAsync(string accountId)
    {
        var all = await memberships.ForAccountAsync(accountId, HttpContext.RequestAborted);
        if (IsSsoSession)
        {
            all = [.. all.Where(m => m.WorkspaceId == User.FindFirstValue(SessionClaims.SsoWorkspace))];
        }

        NameWorkspace = WorkspaceId is null ? (all.Count > 0 ? all[0] : null) : all.FirstOrDefault(m => m.WorkspaceId == WorkspaceId);
        DisplayName = NameWorkspace?.TeammateName;
        ViewData["Workspace"] = NameWorkspace?.WorkspaceId;
    }
}
