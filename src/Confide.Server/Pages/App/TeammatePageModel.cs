using Microsoft.AspNetCore.Authentication;
using System.Security.Claims;
using Confide.Data;
using Confide.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Confide.Data.Model;
using Confide.Identity.Authorization;
using Confide.Messaging.Conversations;

namespace Confide.Server.Pages.App;

/// <summary>
/// Base of the signed-in pages: finds the workspaces of the current region that the account
/// belongs to and the one selected with <c>?workspace=</c>. A workspace the account does not
/// belong to is indistinguishable from one that does not exist.
/// </summary>
public abstract class TeammatePageModel(TeammateMemberships memberships, CurrentCell cell) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "workspace")]
    public string? WorkspaceId { get; set; }

    public IReadOnlyList<Membership> Memberships { get; private set; } = [];

    public Membership? Current { get; private set; }

    private IReadOnlyList<Membership>? _loaded;

    /// <summary>The request's region database.</summary>
    protected CurrentCell Cell { get; } = cell;

    /// <summary>
    /// The workspace's policies, before any handler: its IP allowlist, its SSO requirement, the
    /// page's permission, and two-factor sign-in — a workspace that requires it of this teammate
    /// shows nothing until they have an authenticator app or a passkey (every page sends them to
    /// the security page to enrol).
    /// </summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var accountId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (accountId is not null)
        {
            var all = _loaded = ForThisSession(await memberships.ForAccountAsync(accountId, HttpContext.RequestAborted));
            var selected = WorkspaceId is null ? (all.Count > 0 ? all[0] : null) : all.FirstOrDefault(m => m.WorkspaceId == WorkspaceId);
            var needed = GetType().GetCustomAttributes(typeof(PagePermissionAttribute), inherit: false).OfType<PagePermissionAttribute>().SingleOrDefault()?.Permission;
            if (selected is not null && !IpAllowlist.Allows(selected.IpAllowlist, HttpContext.Connection.RemoteIpAddress))
            {
                context.Result = PageRefusal.Forbidden(HttpContext, new("This workspace only accepts sign-ins from the addresses on its IP allowlist."));
                return;
            }

            if (selected is not null && Hosting.TeammateSessionTimes.Of(HttpContext) is { } times
                && times.ExceedsLimitsOf(selected, HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()))
            {
                // The workspace allows shorter sessions than the server: this one has ended for it
                // (on the server too, so a copy of the cookie goes with it), so sign in again.
                await HttpContext.RequestServices.GetRequiredService<SignInManager<TeammateAccount>>().SignOutAsync();
                context.Result = RedirectToPage("/App/Login", new { ReturnUrl = Hosting.SignInAgainRedirect.ReturnUrlOf(Request) });
                return;
            }

            if (selected is not null && !SignInPolicy.IsSatisfied(selected, User))
            {
                context.Result = PageRefusal.Forbidden(HttpContext, selected.RequireSso
                    ? new("This workspace requires single sign-on. Sign in through your identity provider.", $"/app/sso/{selected.WorkspaceId}/start", "Sign in with single sign-on")
                    : new($"This workspace does not accept the way you signed in. Sign out and sign in with one of: {string.Join(", ", selected.AllowedSignInMethods ?? (IEnumerable<string>)[])}."));
                return;
            }

            if (selected is not null && (needed is null || !selected.Permissions.Contains(needed)))
            {
                // Deny by default: a page without a declared permission is shown to nobody.
                context.Result = PageRefusal.Forbidden(HttpContext, new("Your role in this workspace does not allow this page."));
                return;
            }

            // An SSO session's second factor is its identity provider's business (and the session cannot enrol one here).
            if (selected is { RequiresTwoFactor: true } && SessionClaims.MethodOf(User) != SignInMethods.Sso)
            {
                var users = HttpContext.RequestServices.GetRequiredService<UserManager<TeammateAccount>>();
                if (await users.GetUserAsync(User) is { } account && !await Confide.Identity.Passkeys.StrongFactors.HasAnyAsync(users, account))
                {
                    context.Result = RedirectToPage("/App/Security", new { required = selected.WorkspaceId });
                    return;
                }
            }
        }

        await next();
    }

    /// <summary>
    /// An SSO session reaches only the workspace whose identity provider vouched for the
    /// teammate: one workspace's provider must not open the account's other workspaces.
    /// </summary>
    private IReadOnlyList<Membership> ForThisSession(IReadOnlyList<Membership> all) =>
        SessionClaims.MethodOf(User) == SignInMethods.Sso
            ? [.. all.Where(m => m.WorkspaceId == User.FindFirstValue(SessionClaims.SsoWorkspace))]
            : all;

    /// <summary>Whether the teammate's role in the selected workspace holds <paramref name="permission"/> (after <see cref="ResolveWorkspaceAsync"/>).</summary>
    public bool Can(string permission) => Current is not null && Current.Permissions.Contains(permission);

    /// <summary>Which conversations the teammate's role may read (theirs, their teams'); null when all of them.</summary>
    protected ConversationScope? ConversationScope => Current is null ? null : ConversationScope.For(Current.Permissions, Current.TeammateId);

    /// <summary>Loads the memberships; false when the requested workspace is not one of them.</summary>
    protected async Task<bool> ResolveWorkspaceAsync(CancellationToken ct)
    {
        ViewData["Region"] = Cell.Region.Code;
        var accountId = User.FindFirstValue(ClaimTypes.NameIdentifier);
        // Loaded once per request: the policy checks before the handler already read them.
        Memberships = accountId is null ? [] : _loaded ?? ForThisSession(await memberships.ForAccountAsync(accountId, ct));
        Current = WorkspaceId is null
            ? (Memberships.Count > 0 ? Memberships[0] : null)
            : Memberships.FirstOrDefault(m => m.WorkspaceId == WorkspaceId);
        // The layout's navigation keeps the selected workspace.
        ViewData["Workspace"] = Current?.WorkspaceId;
        // The privacy centre is in the navigation only for those who may open it.
        ViewData["CanManagePrivacy"] = Can(Permissions.PrivacyRequestsManage);
        // The retention settings are among the settings only for those who may change them.
        ViewData["CanManageRetention"] = Can(Permissions.RetentionManage);
        // "Delete workspace" is among the settings only for owners.
        ViewData["CanDeleteWorkspace"] = Current?.Role == TeammateRoles.Owner;
        // Every page of a workspace whose deletion is scheduled says so.
        ViewData["DeletionDueAt"] = Current?.DeletionDueAt;
        return WorkspaceId is null || Current is not null;
    }
}
