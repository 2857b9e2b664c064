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

    /// <summary>For a PostgreSQL case: skipped, visibly, without a server; failed instead when CI requires one.</summary>
    public static void RequireFor(string provider)
    {
        if (Providers.IsPostgres(provider) && ConnectionString is null)
        {
            Assert.SkipUnless(Required, "PostgreSQL is not available (set CONFIDE_TEST_POSTGRES; scripts/test.sh does).");
            Assert.Fail("CONFIDE_TEST_REQUIRE_POSTGRES=1 but CONFIDE_TEST_POSTGRES is not set.");
        }
    }

    /// <summary>A fresh database for a test that starts its own server: none for SQLite.</summary>
    public static async Task<string?> DatabaseForAsync(string provider)
    {
        RequireFor(provider);
        return Providers.IsPostgres(provider) ? await CreateDatabaseAsync() : null;
    }

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

    /// <summary>A plain-SQL <c>pg_dump</c> of a database, as an operator's backup would hold it.</summary>
    public static Task<string> DumpAsync(string connectionString) =>
        RunClientAsync("pg_dump", connectionString, ["--no-owner", "--no-privileges"], input: null);

    /// <summary>Restores a plain-SQL dump into a new database and returns its connection string.</summary>
    public static async Task<string> RestoreAsync(string dump)
    {
        var restored = await CreateDatabaseAsync();
        await RunClientAsync("psql", restored, ["-q", "-v", "ON_ERROR_STOP=1"], dump);
        return restored;
    }

    private static async Task<string> RunClientAsync(string tool, string connectionString, string[] arguments, string? input)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new System.Diagnostics.ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add($"host={cs.Host} port={cs.Port} user={cs.Username} dbname={cs.Database} sslmode=verify-full sslrootcert={cs.RootCertificate}");
        start.Environment["PGPASSWORD"] = cs.Password;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await errors}");
        return await output;
    }
}
