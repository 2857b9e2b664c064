using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity;

/// <summary>
/// Creates a workspace in one region together with its owner (account, teammate) and the
/// owner's first API token, all in one transaction: either everything exists or nothing does.
/// </summary>
public sealed class WorkspaceBootstrapper(
    WorkspaceKeyRing keyRing,
    ActivityLog activityLog,
    IPasswordHasher<TeammateAccount> passwordHasher,
    Passwords.BreachedPasswords breachedPasswords,
    ILookupNormalizer normalizer,
    TimeProvider time)
{
    public const int MinimumPasswordLength = 12;

    /// <param name="Actor">Who creates it, for the workspace's first activity-log entry; the operator's command line when not given.</param>
    public sealed record Request(string Name, string OwnerEmail, string? OwnerName, string? OwnerPassword, ActivityActor? Actor = null);

    /// <param name="GeneratedPassword">Set when the owner account was new and no password was given.</param>
    public sealed record Result(string WorkspaceId, string OwnerId, string AccessToken, string? GeneratedPassword);

    public async Task<Result> CreateAsync(CellDatabase cell, Request request, CancellationToken cancellationToken)
    {
        var name = request.Name.Trim();
        if (name.Length is 0 or > 255)
        {
            throw new ConfideException(ConfideError.ParameterInvalid("Workspace name must be 1 to 255 characters."));
        }

        if (!EmailAddress.IsValid(request.OwnerEmail))
        {
            throw new ConfideException(ConfideError.ParameterInvalid("Owner email is not a valid address."));
        }

        if (request.OwnerPassword is { Length: < MinimumPasswordLength })
        {
            throw new ConfideException(ConfideError.ParameterInvalid($"Owner password must be at least {MinimumPasswordLength} characters."));
        }

        if (request.OwnerPassword is { } chosen && Passwords.CommonPasswords.Problem(chosen, request.OwnerEmail) is { } problem)
        {
            throw new ConfideException(ConfideError.ParameterInvalid(problem));
        }

        // The owner's password is set here, not through UserManager, so Identity's validators do not see it.
        if (request.OwnerPassword is { } owner && breachedPasswords.Problem(owner) is { } breached)
        {
            throw new ConfideException(ConfideError.ParameterInvalid(breached));
        }

        var ownerName = TeammateDisplayNames.Parse(request.OwnerName, "owner name") ?? "";
        var now = time.GetUtcNow();
        var workspace = new Workspace { Id = PublicIds.NewWorkspaceId(cell.Region), Region = cell.Region.Code, Name = name, CreatedAt = now };
        var token = ApiTokenSecrets.Generate(cell.Region);
        var email = request.OwnerEmail.Trim();
        var normalizedEmail = normalizer.NormalizeEmail(email);
        return await cell.Writer.WriteAsync(async (db, ct) =>
        {
            // Wrapped inside the unit, after entering the fence: a master-key rotation cannot miss them.
            var workspaceKeys = await MasterKeyFences.WrapInsideAsync(
                db, cell.Region, () => keyRing.NewWorkspaceKeysAsync(cell.Region, workspace.Id, ct), keys => keys.Stored.Select(k => k.MasterKeyId), ct);
            string? generatedPassword = null;
            var account = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, ct);
            if (account is null)
            {
                var password = request.OwnerPassword ?? (generatedPassword = TeammateAccounts.GeneratePassword());
                account = TeammateAccounts.New(email, password, normalizer, passwordHasher);
                db.Users.Add(account);
            }

            var owner = TeammateAccounts.NewTeammate(
                workspace.Id, account.Id, TeammateRoles.Owner, ownerName, email, workspaceKeys.Workforce, time);
            db.Workspaces.Add(workspace);
            db.WorkspaceKeys.AddRange(workspaceKeys.Stored);
            db.Teammates.Add(owner);
            var tokenId = PublicIds.NewEntityId(time);
            db.ApiTokens.Add(new ApiToken
            {
                Id = tokenId,
                WorkspaceId = workspace.Id,
                TeammateId = owner.Id,
                Name = "Owner token (bootstrap)",
                SecretHash = ApiTokenSecrets.Hash(token),
                CreatedAt = now,
            });
            await activityLog.AppendAsync(db, cell, workspace.Id, new ActivityEvent(
                ActivityTypes.WorkspaceCreation,
                request.Actor ?? ActivityActor.CommandLine,
                "The workspace was created with its owner and the owner's first API token.",
                new ActivityTarget("workspace", workspace.Id),
                new JsonObject { ["region"] = cell.Region.Code, ["owner_id"] = owner.Id, ["api_token_id"] = tokenId }), ct, workspaceKeys.Workforce);
            return new Result(workspace.Id, owner.Id, token, generatedPassword);
        }, cancellationToken);
    }

}
