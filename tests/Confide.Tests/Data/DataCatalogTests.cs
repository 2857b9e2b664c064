using Confide.Data;
using Microsoft.EntityFrameworkCore;

namespace Confide.Tests.Data;

public sealed class DataCatalogTests
{
    [Fact]
    public void EveryPersistedProperty_HasADataCategory()
    {
        using var db = new SqliteConfideDbContext(new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite("Data Source=:memory:").Options);

        var missing = db.Model.GetEntityTypes()
            .SelectMany(entity => entity.GetProperties().Select(property => (entity, property)))
            .Where(p => DataCatalog.CategoryOf(p.property) is null)
            .Select(p => $"{p.entity.ClrType.Name}.{p.property.Name}")
            .ToList();

        Assert.True(missing.Count == 0, "Persisted properties without a data category: " + string.Join(", ", missing));
    }

    /// <summary>
    /// Personal data is stored only encrypted: every persisted property in a <c>user.*</c>
    /// category (end users and teammates), and companies' free-form custom attributes, which may
    /// name people, is a ciphertext column, except keyed lookup hashes, the timestamps that range
    /// searches need, and ASP.NET Core Identity's sign-in columns.
    /// </summary>
    [Fact]
    public void EveryPersonalField_IsStoredEncrypted()
    {
        using var db = new SqliteConfideDbContext(new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite("Data Source=:memory:").Options);
        // Consent records stay in clear (a type id, a flag, a time) so sending can be checked against them; they say nothing else.
        string[] allowedInClear = [Confide.Platform.DataCategories.UserDerivedIndex, Confide.Platform.DataCategories.UserBehavior, Confide.Platform.DataCategories.UserPrivacyPreferences];

        var personal = db.Model.GetEntityTypes()
            .SelectMany(entity => entity.GetProperties().Select(property => (entity, property, category: DataCatalog.CategoryOf(property)!)))
            .Where(p => p.category.StartsWith("user.", StringComparison.Ordinal) || p.category == Confide.Platform.DataCategories.OrganizationCustom)
            // Sign-in data lives in ASP.NET Core Identity's columns, which sign-in must be able to query.
            .Where(p => (p.property.PropertyInfo?.DeclaringType ?? p.entity.ClrType).Namespace?.StartsWith("Microsoft.AspNetCore.Identity", StringComparison.Ordinal) != true)
            .ToList();
        var clear = personal
            .Where(p => !allowedInClear.Contains(p.category))
            .Where(p => p.property.ClrType != typeof(byte[]) || !p.property.Name.StartsWith("Encrypted", StringComparison.Ordinal))
            .Select(p => $"{p.entity.ClrType.Name}.{p.property.Name} ({p.category})")
            .ToList();

        Assert.NotEmpty(personal);
        Assert.True(clear.Count == 0, "Personal fields stored in clear: " + string.Join(", ", clear));
    }
}
