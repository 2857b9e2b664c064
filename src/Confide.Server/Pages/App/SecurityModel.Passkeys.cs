using System.Buffers.Text;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data.Model;
using Confide.Server.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Confide.Server.Pages.App;

/// <summary>
/// Passkeys on the security page: add one (named, made by the browser's WebAuthn API through
/// js/passkeys.js, verified by Identity's attestation checks), list them, remove one. Only the
/// public key and what the authenticator said about itself are stored. Each change is in the
/// activity log of every workspace of the account and ends the account's other sessions at once.
/// </summary>
public sealed partial class SecurityModel
{
    private const int MaxPasskeyNameLength = 64;

    /// <summary>The name for the passkey being added, e.g. "Work laptop".</summary>
    [BindProperty]
    public string PasskeyName { get; set; } = "";

    /// <summary>The result of <c>navigator.credentials.create()</c> as JSON.</summary>
    [BindProperty]
    public string CredentialJson { get; set; } = "";

    /// <summary>The credential id (base64url) of the passkey to remove.</summary>
    [BindProperty]
    public string PasskeyId { get; set; } = "";

    public IReadOnlyList<PasskeyRow> Passkeys { get; private set; } = [];

    public sealed record PasskeyRow(string Id, string Name, DateTimeOffset CreatedAt);

    /// <summary>WebAuthn creation options for the signed-in account, with a one-time challenge; the account's passkeys are excluded.</summary>
    [RequiresStepUp]
    public async Task<IActionResult> OnPostPasskeyCreationOptionsAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var email = account.Email ?? account.Id;
        var options = await signInManager.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity { Id = account.Id, Name = email, DisplayName = email });
        return Content(options, "application/json");
    }

    [RequiresStepUp]
    public async Task<IActionResult> OnPostAddPasskeyAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var name = PasskeyName.Trim();
        if (name.Length is 0 or > MaxPasskeyNameLength || CredentialJson.Length is 0 or > Identity.Passkeys.PasskeyOptions.MaxCredentialJsonLength)
        {
            Error = $"Give the passkey a name (up to {MaxPasskeyNameLength} characters), then follow your browser's prompt.";
            return Page();
        }

        PasskeyAttestationResult attestation;
        try
        {
            attestation = await signInManager.PerformPasskeyAttestationAsync(CredentialJson);
        }
        catch (InvalidOperationException)
        {
            // The one-time challenge was already used or never made in this browser.
            Error = "The passkey could not be added: start again with \"Add a passkey\".";
            return Page();
        }

        // The challenge was made for this account: a session that changed hands since cannot use it.
        if (!attestation.Succeeded || attestation.UserEntity.Id != account.Id)
        {
            Error = "The passkey could not be added: the browser's answer did not verify. Try again.";
            return Page();
        }

        attestation.Passkey.Name = name;
        var stored = await users.AddOrUpdatePasskeyAsync(account, attestation.Passkey);
        if (!stored.Succeeded)
        {
            Error = "The passkey could not be added.";
            return Page();
        }

        await RecordPasskeyAsync(account, ActivityTypes.AdminPasskeyAdded, $"A passkey was added ({name}).", name, Passkeys.Count + 1);
        await users.UpdateSecurityStampAsync(account);
        await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.PasskeyChange);
        await signInManager.RefreshSignInAsync(account);
        await LoadAsync();
        Message = $"Passkey \"{name}\" added. You can now sign in with it instead of your password. Your other sessions were signed out.";
        return Page();
    }

    [RequiresStepUp(Afterwards = AfterStepUp.Notice)]
    public async Task<IActionResult> OnPostRemovePasskeyAsync()
    {
        if (await LoadAsync() is not { } account)
        {
            return Challenge();
        }

        var passkey = Passkeys.FirstOrDefault(p => p.Id == PasskeyId);
        if (passkey is null)
        {
            Error = "That passkey is not one of yours.";
            return Page();
        }

        if (!(await users.RemovePasskeyAsync(account, Base64Url.DecodeFromChars(passkey.Id))).Succeeded)
        {
            Error = "The passkey could not be removed.";
            return Page();
        }

        await RecordPasskeyAsync(account, ActivityTypes.AdminPasskeyRemoved, $"A passkey was removed ({passkey.Name}).", passkey.Name, Passkeys.Count - 1);
        await users.UpdateSecurityStampAsync(account);
        await OtherSessions.EndAsync(HttpContext, account.Id, TeammateSessionEndReasons.PasskeyChange);
        await signInManager.RefreshSignInAsync(account);
        await LoadAsync();
        Message = $"Passkey \"{passkey.Name}\" removed; it no longer signs you in. Your other sessions were signed out.";
        return Page();
    }

    private async Task LoadPasskeysAsync(TeammateAccount account) =>
        Passkeys = [.. (await users.GetPasskeysAsync(account))
            .OrderBy(p => p.CreatedAt)
            .Select(p => new PasskeyRow(Base64Url.EncodeToString(p.CredentialId), p.Name ?? "Passkey", p.CreatedAt))];

    /// <param name="countAfter">How many passkeys the account has after the change (<see cref="Passkeys"/> was loaded before it).</param>
    private Task RecordPasskeyAsync(TeammateAccount account, string activityType, string description, string name, int countAfter) =>
        SignInActivity.RecordAsync(HttpContext, account.Id, activityType, description, new JsonObject
        {
            ["passkey_name"] = name,
            ["passkeys_after"] = countAfter,
        });
}
