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
}
