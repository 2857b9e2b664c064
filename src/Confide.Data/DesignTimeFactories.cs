using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Confide.Data;

/// <summary>Used only by <c>dotnet ef migrations add</c> (see scripts/add-migration.sh).</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteConfideDbContext>
{
    public SqliteConfideDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteConfideDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresConfideDbContext>
{
    public PostgresConfideDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresConfideDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
