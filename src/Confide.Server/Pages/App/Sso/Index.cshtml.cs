using Confide.Data;
using Confide.Identity;
using Confide.Identity.Sso;
using Confide.Platform;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Pages.App.Sso;

/// <summary>
/// "Sign in with SSO": the work email's domain finds the one workspace of this region whose
/// connection allows it; when none or several do, the teammate types their workspace id.
/// </summary>
[AllowAnonymous]
public sealed class IndexModel(CurrentCell cell, RegionalEndpoints endpoints) : PageModel
{
    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string? WorkspaceId { get; set; }

    /// <summary>Whether the workspace id field is shown (no single connection matched the domain).</summary>
    public bool AskWorkspace { get; private set; }

    public string? Error { get; private set; }

    public void OnGet() => ViewData["Region"] = cell.Region.Code;

    public async Task<IActionResult> OnPostAsync()
    {
        ViewData["Region"] = cell.Region.Code;
        if (WorkspaceId?.Trim() is { Length: > 0 } typed)
        {
            if (!PublicIds.TryGetWorkspaceRegion(typed, out var region))
            {
                AskWorkspace = true;
                Error = "That is not a workspace id.";
                return Page();
            }

            // A workspace of another region signs in at its own region's address.
            var start = $"/app/sso/{Uri.EscapeDataString(typed)}/start";
            return region == cell.Region ? LocalRedirect(start) : Redirect(endpoints.PublicUrl(region!) + start);
        }

        var domain = EmailAddress.IsValid(Email) ? SsoEmailDomains.DomainOf(Email) : null;
        if (domain is null)
        {
            Error = "Enter your work email address.";
            return Page();
        }

        var workspaces = await WorkspacesAllowingAsync(domain);
        if (workspaces.Count == 1)
        {
            return LocalRedirect($"/app/sso/{Uri.EscapeDataString(workspaces[0])}/start");
        }

        AskWorkspace = true;
        return Page();
    }

    /// <summary>The workspaces whose connection lists the domain exactly (the LIKE only narrows the scan).</summary>
    private async Task<List<string>> WorkspacesAllowingAsync(string domain)
    {
        await using var db = cell.Database.CreateReadContext();
        var candidates = await db.SsoConnections.AsNoTracking()
            .Where(c => c.AllowedEmailDomains.Contains(domain))
            .Select(c => new { c.WorkspaceId, c.AllowedEmailDomains })
            .Take(50)
            .ToListAsync(HttpContext.RequestAborted);
        return [.. candidates.Where(c => SsoEmailDomains.Parse(c.AllowedEmailDomains).Contains(domain)).Select(c => c.WorkspaceId).Distinct()];
    }
}
