using System.Text.Json;
using Confide.Audit;
using Confide.Data;
using Confide.Identity;
using Confide.Identity.Authorization;
using Confide.Messaging.Messenger.Settings;
using Confide.Messaging.Messenger.Verification;
using Confide.Platform;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App.Settings;

/// <summary>
/// The messenger's installation snippet, embedding and identity verification settings, and
/// identity secrets in the web app — the same commands and checks as
/// <c>/confide/messenger_settings</c> and <c>/confide/messenger_secrets</c> — behind step-up.
/// </summary>
[PagePermission(Permissions.SecurityManage)]
public sealed class MessengerModel(
    TeammateMemberships memberships, CurrentCell cell, MessengerSettingsCommands commands, MessengerSecrets secrets, RegionalEndpoints endpoints)
    : TeammatePageModel(memberships, cell)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>One origin per line.</summary>
    [BindProperty]
    public string? AllowedOrigins { get; set; }

    [BindProperty]
    public bool IdentityVerificationEnforced { get; set; }

    /// <summary>Empty (posted as null) keeps the stored lifetime.</summary>
    [BindProperty]
    public int? JwtMaxLifetimeSeconds { get; set; }

    /// <summary>The public keys as a JWKS document; empty clears them.</summary>
    [BindProperty]
    public string? Jwks { get; set; }

    public string Snippet { get; private set; } = "";

    public IReadOnlyList<MessengerSecretView> Secrets { get; private set; } = [];

    /// <summary>A secret just created: shown in this response only, never stored anywhere the browser keeps.</summary>
    public CreatedMessengerSecret? NewSecret { get; private set; }

    public string? Message { get; private set; }

    /// <summary>Set when the page shows a change that step-up interrupted: not applied yet.</summary>
    public string? StepUpNotice { get; private set; }

    /// <summary>A refused settings change, and the field it is about (an input name), if one.</summary>
    public (string? Field, string Text)? SettingsError { get; private set; }

    public string? SecretsError { get; private set; }

    public string? ErrorFor(string field) => SettingsError is { } e && e.Field == field ? e.Text : null;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        await ShowSettingsAsync(ct);
        if (StepUpResumption.Take(this) is { } pending)
        {
            StepUpNotice = StepUpResumption.NotAppliedMessage;
            if (pending.Form is not null)
            {
                AllowedOrigins = pending.Text(nameof(AllowedOrigins));
                IdentityVerificationEnforced = pending.Flag(nameof(IdentityVerificationEnforced));
                JwtMaxLifetimeSeconds = pending.Number(nameof(JwtMaxLifetimeSeconds));
                Jwks = pending.Text(nameof(Jwks));
            }
        }

        await LoadAsync(ct);
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.RefillForm)]
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            if (!ModelState.IsValid)
            {
                // Only the number can fail to bind.
                throw new ConfideException(ConfideError.ParameterInvalid("jwt_max_lifetime_seconds must be a whole number of seconds"));
            }

            var input = new MessengerSettingsInput(
                IdentityVerificationEnforced,
                (AllowedOrigins ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                JwtMaxLifetimeSeconds,
                ParseJwks(Jwks));
            Show(await commands.ChangeAsync(Cell.Database, Current.WorkspaceId, Actor(), input, ct));
            Message = "Saved.";
            // Show what is stored now (normalised), not what was posted: the form helpers prefer posted values.
            ModelState.Clear();
        }
        catch (ConfideException refused)
        {
            // The posted values stay in the form, so the admin can correct them; nothing was stored.
            SettingsError = (FieldOf(refused.Error.Message), refused.Error.Message);
        }

        await LoadAsync(ct);
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostCreateSecretAsync(CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            // Rendered in this response rather than redirected: anything carried to a next request would hold the secret.
            NewSecret = await secrets.CreateAsync(Cell.Database, Current.WorkspaceId, Actor(), ct);
        }
        catch (ConfideException refused)
        {
            SecretsError = refused.Error.Message;
        }

        return await ShowAllAsync(ct);
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostRetireSecretAsync(string? id, CancellationToken ct)
    {
        if (!await ResolveWorkspaceAsync(ct) || Current is null)
        {
            return NotFound();
        }

        try
        {
            await secrets.RetireAsync(Cell.Database, Current.WorkspaceId, Actor(), id ?? "", ct);
            Message = "The secret was retired: it no longer verifies anything.";
        }
        catch (ConfideException refused)
        {
            SecretsError = refused.Error.Message;
        }

        return await ShowAllAsync(ct);
    }

    private async Task<IActionResult> ShowAllAsync(CancellationToken ct)
    {
        ModelState.Clear();
        await ShowSettingsAsync(ct);
        await LoadAsync(ct);
        return Page();
    }

    private ActivityActor Actor() => ActivityActor.Teammate(Current!.TeammateId, "web", HttpContext.Connection.RemoteIpAddress?.ToString());

    private async Task ShowSettingsAsync(CancellationToken ct) =>
        Show(MessengerSettingsView.From(await MessengerSettingsCommands.FindAsync(Cell.Database, Current!.WorkspaceId, ct)));

    private void Show(MessengerSettingsView settings)
    {
        AllowedOrigins = string.Join('\n', settings.AllowedOrigins);
        IdentityVerificationEnforced = settings.IdentityVerificationEnforced;
        JwtMaxLifetimeSeconds = settings.JwtMaxLifetimeSeconds;
        Jwks = settings.Jwks?.ToJsonString(Indented);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Snippet = $"<script src=\"{endpoints.PublicUrl(Cell.Region)}/messenger/widget.js\" data-app-id=\"{Current!.WorkspaceId}\" defer></script>";
        Secrets = await MessengerSecrets.ListAsync(Cell.Database, Current.WorkspaceId, ct);
    }

    /// <summary>Empty clears the key set (JSON null); anything else must be JSON for the command to check.</summary>
    private static JsonElement ParseJwks(string? text)
    {
        try
        {
            return JsonSerializer.Deserialize<JsonElement>(string.IsNullOrWhiteSpace(text) ? "null" : text);
        }
        catch (JsonException)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("jwks is not valid JSON"));
        }
    }

    /// <summary>The commands' messages start with the API's field name.</summary>
    private static string? FieldOf(string message) =>
        message.StartsWith("allowed_origins", StringComparison.Ordinal) ? nameof(AllowedOrigins)
        : message.StartsWith("jwks", StringComparison.Ordinal) ? nameof(Jwks)
        : message.StartsWith("jwt_max_lifetime_seconds", StringComparison.Ordinal) ? nameof(JwtMaxLifetimeSeconds)
        : null;
}
