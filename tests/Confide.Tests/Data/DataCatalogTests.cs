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
    /// End users' personal data is stored only encrypted: every persisted property in a
    /// <c>user.*</c> category is a ciphertext column, except keyed lookup hashes and the
    /// timestamps that range searches need. Teammates' (workforce) data is covered elsewhere.
    /// </summary>
    [Fact]
    public void EveryEndUserPersonalField_IsStoredEncrypted()
    {
        using var db = new SqliteConfideDbContext(new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite("Data Source=:memory:").Options);
        string[] allowedInClear = [Confide.Platform.DataCategories.UserDerivedIndex, Confide.Platform.DataCategories.UserBehavior];

        var personal = db.Model.GetEntityTypes()
            .SelectMany(entity => entity.GetProperties().Select(property => (entity, property, category: DataCatalog.CategoryOf(property)!)))
            .Where(p => p.category.StartsWith("user.", StringComparison.Ordinal) && !p.category.StartsWith("user.workforce", StringComparison.Ordinal))
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
