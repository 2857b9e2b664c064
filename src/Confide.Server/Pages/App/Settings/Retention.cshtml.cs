using Confide.Audit;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Privacy.Retention;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Settings;

/// <summary>
/// Settings → Retention: the workspace's rules with their periods, changed here with the same
/// rules as <c>PUT /confide/retention_policy</c> (<see cref="RetentionPolicyCommands"/>). A change
/// that enables or shortens a rule is first shown with the dry run's count of what it would delete
/// today, and saved only once confirmed; the default schedule and the workspace's last run are shown.
/// </summary>
[PagePermission(Permissions.RetentionManage)]
public sealed class RetentionModel(TeammateMemberships memberships, CurrentCell cell, RetentionPolicyCommands commands, RetentionRules rules, RetentionStatusQueries status)
    : TeammatePageModel(memberships, cell)
{
    public sealed class RuleForm
    {
        public string? Subject { get; set; }

        public int? AfterDays { get; set; }

        public bool Enabled { get; set; }
    }

    [BindProperty]
    public List<RuleForm> Rules { get; set; } = [];

    public IReadOnlyList<RetentionRuleState> Policy { get; private set; } = [];

    /// <summary>The dry run of a change that enables or shortens a rule, awaiting confirmation.</summary>
    public IReadOnlyList<RetentionDryRunRule>? Pending { get; private set; }

    public bool WorkspaceHeld { get; private set; }

    public RetentionWorkspaceRunView? LastRun { get; private set; }

    public RetentionRegionStatus? Region { get; private set; }

    public IReadOnlyList<IRetentionRule> Registered => rules.All;

    public int DefaultAfterDays(IRetentionRule rule) => rules.DefaultAfterDays(rule);

    public string? Message { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct))
        {
            return NotFound();
        }

        await LoadAsync(ct);
        return Page();
    }

    /// <summary>Saves at once what deletes nothing sooner; shows the dry run of what enables or shortens a rule.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct))
        {
            return NotFound();
        }

        var current = await commands.ReadAsync(Cell.Database, Current!.WorkspaceId, ct);
        var input = Input();
        var (candidate, errors) = rules.Apply(current, input);
        if (errors.Count > 0)
        {
            Errors = [.. errors.Select(e => e.Message)];
            await LoadAsync(ct);
            return Page();
        }

        var sooner = candidate.Where(c => current.Single(r => r.Subject == c.Subject) is var was && c.Enabled && (!was.Enabled || c.AfterDays < was.AfterDays)).Select(c => c.Subject).ToHashSet(StringComparer.Ordinal);
        if (sooner.Count > 0)
        {
            var (dryRun, held) = await commands.DryRunAsync(Cell.Database, Current!.WorkspaceId, input, ct);
            Pending = [.. dryRun.Where(r => sooner.Contains(r.Rule.Subject))];
            WorkspaceHeld = held;
            await LoadAsync(ct, keepForm: true);
            return Page();
        }

        return await SaveAsync(input, ct);
    }

    /// <summary>The confirmed change, as it was shown.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct))
        {
            return NotFound();
        }

        return await SaveAsync(Input(), ct);
    }

    private async Task<IActionResult> SaveAsync(IReadOnlyList<RetentionRuleInput> input, CancellationToken ct)
    {
        try
        {
            var actor = ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());
            await commands.SaveAsync(Cell.Database, Current!.WorkspaceId, input, actor, ct);
            Message = "The retention policy is saved. The change is recorded in the activity log.";
        }
        catch (RetentionPolicyRefusedException refused)
        {
            Errors = [.. refused.Errors.Select(e => e.Message)];
        }

        ModelState.Clear();
        await LoadAsync(ct);
        return Page();
    }

    private List<RetentionRuleInput> Input() => [.. Rules.Select(r => new RetentionRuleInput(r.Subject, r.AfterDays, r.Enabled))];

    private async Task LoadAsync(CancellationToken ct, bool keepForm = false)
    {
        Policy = await commands.ReadAsync(Cell.Database, Current!.WorkspaceId, ct);
        LastRun = await RetentionStatusQueries.LastWorkspaceRunAsync(Cell.Database, Current!.WorkspaceId, ct);
        Region = await status.RegionAsync(Cell.Database, 1, ct);
        if (!keepForm)
        {
            ModelState.Clear();
            Rules = [.. Policy.Select(p => new RuleForm { Subject = p.Subject, AfterDays = p.AfterDays, Enabled = p.Enabled })];
        }
    }
}
