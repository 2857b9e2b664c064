using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.AspNetCore.Identity;

namespace Confide.Identity;

/// <summary>New sign-in accounts and memberships, made the same way wherever a teammate first appears (workspace creation, adding a teammate).</summary>
public static class TeammateAccounts
{
    /// <summary>A new account for <paramref name="email"/> with <paramref name="password"/>, ready to add to the context.</summary>
    public static TeammateAccount New(string email, string password, ILookupNormalizer normalizer, IPasswordHasher<TeammateAccount> hasher)
    {
        var account = NewWithoutPassword(email, normalizer);
        account.PasswordHash = hasher.HashPassword(account, password);
        return account;
    }

    /// <summary>A new account that can only sign in through single sign-on (until someone sets a password for it).</summary>
    public static TeammateAccount NewWithoutPassword(string email, ILookupNormalizer normalizer) =>
        new()
        {
            UserName = email,
            NormalizedUserName = normalizer.NormalizeName(email),
            Email = email,
            NormalizedEmail = normalizer.NormalizeEmail(email),
            EmailConfirmed = true,
            SecurityStamp = Guid.NewGuid().ToString("N"),
            LockoutEnabled = true,
        };

    /// <summary>
    /// A membership of <paramref name="accountId"/> in the workspace (null: an invitation not yet
    /// accepted), its display name (empty for none) and email sealed under the workforce key.
    /// </summary>
    public static Teammate NewTeammate(string workspaceId, string? accountId, string role, string name, string email, WorkforceCipher workforce, TimeProvider time)
    {
        var id = PublicIds.NewEntityId(time);
        return new Teammate
        {
            Id = id,
            WorkspaceId = workspaceId,
            AccountId = accountId,
            EncryptedName = workforce.SealName(id, name),
            EncryptedEmail = workforce.SealEmail(id, email),
            Role = role,
            CreatedAt = time.GetUtcNow(),
        };
    }

    /// <summary>A random first password (144 bits, URL-safe), shown once to whoever creates the account.</summary>
    public static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
}
