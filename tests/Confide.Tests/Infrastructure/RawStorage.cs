using System.Text;
using Confide.Tests.Crypto;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// Everything a test server keeps, as raw bytes: every file of its data directory (the SQLite
/// databases with their -wal, the key stores, export files) and, on PostgreSQL, a pg_dump of its
/// cell (<c>pg_dump</c>) and of its contact key store when that is on PostgreSQL too
/// (<c>key store pg_dump</c>), each a source of its own. The tests that prove a value is never stored in clear, or is gone after an erasure,
/// scan this.
/// </summary>
internal sealed class RawStorage
{
    private readonly List<(string Source, byte[] Bytes)> _sources;

    private RawStorage(List<(string Source, byte[] Bytes)> sources) => _sources = sources;

    /// <summary>The source name of the key store's pg_dump.</summary>
    public const string KeyStoreDump = "key store pg_dump";

    public IEnumerable<string> Sources => _sources.Select(s => s.Source);

    public static async Task<RawStorage> ReadAsync(TestServer server)
    {
        var sources = new List<(string Source, byte[] Bytes)>();
        foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories))
        {
            sources.Add((Path.GetRelativePath(server.DataDirectory, file), await EncryptionAtRestTests.ReadSharedAsync(file)));
        }

        if (server.PostgresConnectionString is { } postgres)
        {
            sources.Add(("pg_dump", Encoding.UTF8.GetBytes(await TestPostgres.DumpAsync(postgres))));
        }

        if (server.KeyStorePostgresConnectionString is { } keyStore)
        {
            sources.Add((KeyStoreDump, Encoding.UTF8.GetBytes(await TestPostgres.DumpAsync(keyStore))));
        }

        return new RawStorage(sources);
    }

    /// <summary>Whether any source holds <paramref name="text"/> as UTF-8 (a scan's positive control).</summary>
    public bool Contains(string text) => _sources.Any(s => s.Bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0);

    /// <summary>Each marker found, in any of the encodings a leak could take, and where: empty when none is stored.</summary>
    public List<string> Find(CanaryMarkers markers) =>
    [
        .. from s in _sources
           from marker in markers.All
           from encoding in CanaryMarkers.Encodings(marker.Value)
           where s.Bytes.AsSpan().IndexOf(encoding.Bytes) >= 0
           select $"{marker.Key} as {encoding.Name} in {s.Source}",
    ];

    /// <summary>Each of <paramref name="values"/> (ASCII: tokens, hashes, ids) found, and where.</summary>
    public List<string> FindExact(IEnumerable<string> values) =>
    [
        .. from s in _sources
           from value in values
           where s.Bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(value)) >= 0
           select $"{value} in {s.Source}",
    ];

    /// <summary>The sources holding <paramref name="value"/>, as raw bytes or as the hex text pg_dump writes for bytea.</summary>
    public List<string> Holding(byte[] value)
    {
        var hex = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(value));
        return [.. _sources.Where(s => s.Bytes.AsSpan().IndexOf(value) >= 0 || s.Bytes.AsSpan().IndexOf(hex) >= 0).Select(s => s.Source)];
    }
}
