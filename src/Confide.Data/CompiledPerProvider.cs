namespace Confide.Data;

/// <summary>
/// A compiled EF Core query for each database provider. EF Core binds a compiled query to the
/// model it first ran with and refuses any other; SQLite and PostgreSQL cells have different
/// models, and one process can serve both (a PostgreSQL region beside SQLite ones), so each
/// provider gets its own compilation of the same query.
/// </summary>
public sealed class CompiledPerProvider<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly Lazy<TQuery> _sqlite = new(compile);
    private readonly Lazy<TQuery> _postgres = new(compile);

    public TQuery For(ConfideDbContext db) => db is SqliteConfideDbContext ? _sqlite.Value : _postgres.Value;
}
