using Npgsql;

namespace Confide.Data;

/// <summary>
/// Tables Confide creates outside EF Core migrations (shared state, the key store), from
/// processes that may start together. <c>CREATE … IF NOT EXISTS</c> is not race-free in
/// PostgreSQL: two sessions can both pass the check and the loser fails on the catalog's unique
/// index. A transaction-scoped advisory lock named after the schema runs them one at a time.
/// </summary>
public static class PostgresSchema
{
    /// <summary>Runs <paramref name="ddl"/> under the schema's lock, inside <paramref name="transaction"/> (held until it ends).</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, string ddl, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock(hashtextextended(@name, 0)); {ddl}", connection, transaction);
        command.Parameters.AddWithValue("name", "confide-schema:" + name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="ddl"/> under the schema's lock in a transaction of its own.</summary>
    public static async Task EnsureAsync(string connectionString, string name, string ddl, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await EnsureAsync(connection, transaction, name, ddl, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
