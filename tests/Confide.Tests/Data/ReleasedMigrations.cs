using System.Reflection;
using System.Security.Cryptography;
using Confide.Data;
using Confide.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Confide.Tests.Data;

/// <summary>
/// The migrations that shipped in a release, from <c>src/Confide.Data/Migrations/released-migrations.txt</c>:
/// one line per migration, <c>provider id sha256</c>, where the hash covers the migration's two
/// source files. A released migration is never edited or removed; a schema change is a new
/// migration after the last released one.
/// </summary>
internal static class ReleasedMigrations
{
    public static string ListPath => Path.Combine(Checkout.Root(), "src", "Confide.Data", "Migrations", "released-migrations.txt");

    public sealed record Entry(string Provider, string Id, string Sha256);

    public static IReadOnlyList<Entry> Read() =>
        [.. File.ReadAllLines(ListPath)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => new Entry(parts[0], parts[1], parts[2]))];

    /// <summary>The last released migration of a provider (<c>sqlite</c> or <c>postgres</c>).</summary>
    public static string Last(string provider) =>
        Read().Last(e => e.Provider == provider).Id;

    /// <summary>Every migration compiled into Confide.Data for a provider, in the order EF Core applies them.</summary>
    public static IReadOnlyList<string> Compiled(string provider)
    {
        var context = ContextType(provider);
        return [.. typeof(ConfideDbContext).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Migration)) && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == context)
            .Select(t => t.GetCustomAttribute<MigrationAttribute>()!.Id)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>SHA-256 of a migration's two source files without carriage returns, as scripts/release-migrations.sh records it.</summary>
    public static string HashOf(string provider, string id)
    {
        var folder = Path.Combine(Checkout.Root(), "src", "Confide.Data", "Migrations", FolderOf(provider));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { $"{id}.cs", $"{id}.Designer.cs" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, file)).Where(b => b != (byte)'\r').ToArray();
            sha.AppendData(bytes);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static Type ContextType(string provider) => provider switch
    {
        Providers.Sqlite => typeof(SqliteConfideDbContext),
        Providers.Postgres => typeof(PostgresConfideDbContext),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    private static string FolderOf(string provider) => provider == Providers.Sqlite ? "Sqlite" : "Postgres";
}
