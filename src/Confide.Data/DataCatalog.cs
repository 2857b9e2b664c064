using System.Reflection;
using Confide.Platform;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Confide.Data;

/// <summary>
/// The data category of every persisted property: from <see cref="DataCategoryAttribute"/> on
/// Confide's own entities, and from the table below for ASP.NET Core Identity's entities,
/// whose classes Confide does not own. The data map, export and erasure read categories here.
/// </summary>
public static class DataCatalog
{
    private static readonly Dictionary<string, string> FrameworkProperties = new(StringComparer.Ordinal)
    {
        ["Id"] = DataCategories.SystemOperations,
        ["UserId"] = DataCategories.SystemOperations,
        ["RoleId"] = DataCategories.SystemOperations,
        ["UserName"] = DataCategories.EmployeeEmail,
        ["NormalizedUserName"] = DataCategories.EmployeeEmail,
        ["Email"] = DataCategories.EmployeeEmail,
        ["NormalizedEmail"] = DataCategories.EmployeeEmail,
        ["EmailConfirmed"] = DataCategories.SystemAuthentication,
        ["PasswordHash"] = DataCategories.SystemAuthentication,
        ["SecurityStamp"] = DataCategories.SystemAuthentication,
        ["ConcurrencyStamp"] = DataCategories.SystemOperations,
        ["PhoneNumber"] = DataCategories.EmployeePhone,
        ["PhoneNumberConfirmed"] = DataCategories.SystemAuthentication,
        ["TwoFactorEnabled"] = DataCategories.SystemAuthentication,
        ["LockoutEnd"] = DataCategories.SystemAuthentication,
        ["LockoutEnabled"] = DataCategories.SystemAuthentication,
        ["AccessFailedCount"] = DataCategories.SystemAuthentication,
        ["Name"] = DataCategories.SystemOperations,
        ["NormalizedName"] = DataCategories.SystemOperations,
        ["ClaimType"] = DataCategories.SystemAuthentication,
        ["ClaimValue"] = DataCategories.SystemAuthentication,
        ["LoginProvider"] = DataCategories.SystemAuthentication,
        ["ProviderKey"] = DataCategories.SystemAuthentication,
        ["ProviderDisplayName"] = DataCategories.SystemAuthentication,
        ["Value"] = DataCategories.SystemAuthentication,
        // Passkeys: a credential's public half and what the authenticator said about itself.
        ["CredentialId"] = DataCategories.SystemAuthentication,
        ["IdentityUserPasskeyCredentialId"] = DataCategories.SystemAuthentication,
        ["PublicKey"] = DataCategories.SystemAuthentication,
        ["CreatedAt"] = DataCategories.SystemOperations,
        ["SignCount"] = DataCategories.SystemAuthentication,
        ["Transports"] = DataCategories.SystemAuthentication,
        ["IsUserVerified"] = DataCategories.SystemAuthentication,
        ["IsBackupEligible"] = DataCategories.SystemAuthentication,
        ["IsBackedUp"] = DataCategories.SystemAuthentication,
        ["AttestationObject"] = DataCategories.SystemAuthentication,
        ["ClientDataJson"] = DataCategories.SystemAuthentication,
    };

    /// <summary>The category of a mapped property, or null when none is declared (a test forbids that).</summary>
    public static string? CategoryOf(IProperty property)
    {
        if (property.PropertyInfo?.GetCustomAttribute<DataCategoryAttribute>() is { } declared)
        {
            return declared.Category;
        }

        var declaringClass = property.PropertyInfo?.DeclaringType ?? property.DeclaringType.ClrType;
        var isFramework = declaringClass.Namespace?.StartsWith("Microsoft.AspNetCore.Identity", StringComparison.Ordinal) == true;
        return isFramework && FrameworkProperties.TryGetValue(property.Name, out var category) ? category : null;
    }
}
