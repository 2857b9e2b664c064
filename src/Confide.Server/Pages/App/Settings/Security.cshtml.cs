using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Platform;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Pages.App.Settings;

/// <summary>
/// The workspace's sign-in policy in the web app — the same settings and checks as
/// <c>PUT /confide/security_settings</c> — behind step-up re-authentication.
/// </summary>
[PagePermission(Permissions.SecurityManage)]
public sealed class SecurityModel(TeammateMemberships memberships, CurrentCell cell, WorkspaceSecurityPolicy policy, WorkspaceKeyRing keys)
    : TeammatePageModel(memberships, cell)
{
    [BindProperty]
    public string TwoFactorRequired { get; set; } = TwoFactorRequirements.Off;

    /// <summary>One address or CIDR range per line.</summary>
    [BindProperty]
    public string? IpAllowlist { get; set; }

    [BindProperty]
    public bool RequireSso { get; set; }

    /// <summary>An owner's teammate id; empty (posted as null) for none.</summary>
    [BindProperty]
    public string? BreakGlassTeammateId { get; set; }

    /// <summary>Empty (posted as null) or 0 for the server's own limit.</summary>
    [BindProperty]
    public int? SessionIdleMinutes { get; set; }

    [BindProperty]
    public int? SessionAbsoluteHours { get; set; }

    /// <summary>Checked methods (<see cref="SignInMethodFamilies"/>).</summary>
    [BindProperty]
    public List<string> AllowedSignInMethods { get; set; } = [];

    public bool HasSsoConnection { get; private set; }

    public IReadOnlyList<(string Id, string Name)> Owners { get; private set; } = [];

    public string? Message { get; private set; }

    /// <summary>Set when the form shows a change that step-up interrupted: not applied yet.</summary>
    public string? StepUpNotice { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        Show(await WorkspaceSecurityPolicy.GetAsync(Cell.Database, Current.WorkspaceId, ct));
        if (StepUpResumption.Take(this) is { } pending)
        {
            StepUpNotice = StepUpResumption.NotAppliedMessage;
            if (pending.Form is not null)
            {
                TwoFactorRequired = pending.Text(nameof(TwoFactorRequired)) ?? TwoFactorRequired;
                IpAllowlist = pending.Text(nameof(IpAllowlist));
                RequireSso = pending.Flag(nameof(RequireSso));
                BreakGlassTeammateId = pending.Text(nameof(BreakGlassTeammateId));
                SessionIdleMinutes = pending.Number(nameof(SessionIdleMinutes));
                SessionAbsoluteHours = pending.Number(nameof(SessionAbsoluteHours));
                AllowedSignInMethods = pending.All(nameof(AllowedSignInMethods));
            }
        }

        await LoadChoicesAsync(ct);
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.RefillForm)]
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        var change = new SecurityPolicyChange(
            TwoFactorRequired,
            (IpAllowlist ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            RequireSso,
            BreakGlassTeammateId ?? "",
            SessionIdleMinutes ?? 0,
            SessionAbsoluteHours ?? 0,
            AllowedSignInMethods);
        var actor = ActivityActor.Teammate(Current.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
        try
        {
            Show(await policy.ChangeAsync(Cell.Database, Current.WorkspaceId, change, actor, HttpContext.Connection.RemoteIpAddress, ct));
            Message = "Saved.";
        }
        catch (ConfideException refused)
        {
            Error = refused.Error.Message;
        }

        // Show what is stored now, not what was posted (the form helpers prefer posted values).
        ModelState.Clear();
        if (Error is not null)
        {
            Show(await WorkspaceSecurityPolicy.GetAsync(Cell.Database, Current.WorkspaceId, ct));
        }

        await LoadChoicesAsync(ct);
        return Page();
    }

    private void Show(SecurityPolicy current)
    {
        TwoFactorRequired = current.TwoFactorRequired;
        IpAllowlist = string.Join('\n', current.IpAllowlist);
        RequireSso = current.RequireSso;
        BreakGlassTeammateId = current.BreakGlassTeammateId ?? "";
        SessionIdleMinutes = current.SessionIdleMinutes;
        SessionAbsoluteHours = current.SessionAbsoluteHours;
        AllowedSignInMethods = [.. current.AllowedSignInMethods];
    }

    private async Task LoadChoicesAsync(CancellationToken ct)
    {
        var workspaceId = Current!.WorkspaceId;
        await using var db = Cell.Database.CreateReadContext();
        HasSsoConnection = await db.SsoConnections.AnyAsync(c => c.WorkspaceId == workspaceId, ct);
        var owners = await db.Teammates.Where(t => t.WorkspaceId == workspaceId && t.Role == TeammateRoles.Owner).OrderBy(t => t.CreatedAt).ToListAsync(ct);
        var workforce = await keys.WorkforceAsync(Cell.Database, workspaceId, ct);
        Owners = [.. owners.Select(o => (o.Id, TeammateDisplayNames.OrFallback(workforce.Name(o), workforce.Email(o))))];
    }
}
