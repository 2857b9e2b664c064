using Confide.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace Confide.Identity.Passwords;

/// <summary>Identity's hook for <see cref="BreachedPasswords"/>: runs on every password set through <see cref="UserManager{TUser}"/>.</summary>
public sealed partial class BreachedPasswordValidator(BreachedPasswords breached, ILogger<BreachedPasswordValidator> logger) : IPasswordValidator<TeammateAccount>
{
    public Task<IdentityResult> ValidateAsync(UserManager<TeammateAccount> manager, TeammateAccount user, string? password)
    {
        if (password is null)
        {
            return Task.FromResult(IdentityResult.Success);
        }

        try
        {
            return Task.FromResult(breached.Problem(password) is { } problem
                ? IdentityResult.Failed(new IdentityError { Code = "BreachedPassword", Description = problem })
                : IdentityResult.Success);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // Fail closed: the operator asked for the check, so an unreadable corpus must not wave passwords through.
            LogCorpusUnreadable(logger, ex);
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = "BreachedPasswordCheckUnavailable",
                Description = "The password could not be checked against known data breaches; try again later.",
            }));
        }
    }

    [LoggerMessage(EventId = 4310, Level = LogLevel.Error, Message = "The breached-password corpus (Confide:Passwords:BreachedSha1File) could not be read; password changes are refused until it can.")]
    private static partial void LogCorpusUnreadable(ILogger logger, Exception exception);
}
