using System.Net.Mail;

namespace Confide.Identity;

public static class EmailAddress
{
    /// <summary>A plain syntactic check: one address, no display name, at most 254 characters.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: > 2 and <= 254 }
        && MailAddress.TryCreate(value.Trim(), out var address)
        && address.Address == value.Trim()
        && address.DisplayName.Length == 0;
}
