using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Confide.Data;

internal static class CellContextFactory
{
    public static ConfideDbContext Create(DbContextOptions options) => options switch
    {
        DbContextOptions<SqliteConfideDbContext> sqlite => new SqliteConfideDbContext(sqlite),
        DbContextOptions<PostgresConfideDbContext> postgres => new PostgresConfideDbContext(postgres),
        _ => throw new InvalidOperationException($"Unsupported options type {options.GetType().Name}."),
    };

    /// <summary>
    /// A pool of contexts for <paramref name="options"/>: renting one skips building EF Core's
    /// per-context services, which dominates the cost of a short request. Disposing a rented
    /// context resets it (change tracker, transaction, settings) and returns it to the pool.
    /// </summary>
    public static Func<ConfideDbContext> CreatePool(DbContextOptions options) => options switch
    {
        DbContextOptions<SqliteConfideDbContext> sqlite => new PooledDbContextFactory<SqliteConfideDbContext>(sqlite).CreateDbContext,
        DbContextOptions<PostgresConfideDbContext> postgres => new PooledDbContextFactory<PostgresConfideDbContext>(postgres).CreateDbContext,
        _ => throw new InvalidOperationException($"Unsupported options type {options.GetType().Name}."),
    };
}
