using Microsoft.EntityFrameworkCore;

namespace Confide.Data;

internal static class CellContextFactory
{
    public static ConfideDbContext Create(DbContextOptions options) => options switch
    {
        DbContextOptions<SqliteConfideDbContext> sqlite => new SqliteConfideDbContext(sqlite),
        DbContextOptions<PostgresConfideDbContext> postgres => new PostgresConfideDbContext(postgres),
        _ => throw new InvalidOperationException($"Unsupported options type {options.GetType().Name}."),
    };
}
