using Npgsql;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the suite runs against, from <c>CONFIDE_TEST_POSTGRES</c> (set by
/// scripts/test.sh, which starts a throwaway TLS-only cluster). Each test server gets a fresh
/// database so runs never see each other's rows.
/// </summary>
internal static class TestPostgres
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("CONFIDE_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    /// <summary>When set (CI), a missing PostgreSQL fails the provider's tests instead of skipping them.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("CONFIDE_TEST_REQUIRE_POSTGRES") == "1";

    public static async Task<string> CreateDatabaseAsync()
    {
        var baseConnection = ConnectionString ?? throw new InvalidOperationException("CONFIDE_TEST_POSTGRES is not set.");
        var name = $"confide_t_{Guid.NewGuid():N}"[..30];
        await using (var connection = new NpgsqlConnection(baseConnection))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE \"{name}\"";
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(baseConnection) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync();
    }
}
