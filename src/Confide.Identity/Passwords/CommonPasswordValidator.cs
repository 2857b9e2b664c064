using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;

namespace Confide.Identity.Passwords;

/// <summary>Identity's hook for <see cref="CommonPasswords"/>: runs on every password set through <see cref="UserManager{TUser}"/>.</summary>
public sealed class CommonPasswordValidator : IPasswordValidator<TeammateAccount>
{
    public Task<IdentityResult> ValidateAsync(UserManager<TeammateAccount> manager, TeammateAccount user, string? password) =>
        Task.FromResult(password is not null && CommonPasswords.Problem(password, user.Email) is { } problem
            ? IdentityResult.Failed(new IdentityError { Code = "CommonPassword", Description = problem })
            : IdentityResult.Success);
}
