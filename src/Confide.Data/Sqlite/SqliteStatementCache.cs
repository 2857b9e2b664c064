using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Confide.Data;

/// <summary>
/// Prepared statements kept per long-lived SQLite connection (the writer's, the read lanes').
/// Microsoft.Data.Sqlite keeps a command's compiled statements for as long as the command lives
/// and its connection stays open, but EF Core makes a new command for every execution, so every
/// query was compiled again: about a third of the server's time on a conversation read. Here a
/// command is kept per SQL text and lent out to one execution at a time.
/// </summary>
internal sealed class SqliteStatementCache
{
    /// <summary>Distinct statements kept per connection; beyond it, commands are made and disposed as before.</summary>
    private const int Capacity = 256;

    private static readonly ConditionalWeakTable<SqliteConnection, SqliteStatementCache> Caches = [];

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private SqliteStatementCache(SqliteConnection connection) => _connection = connection;

    /// <summary>Keeps statements for <paramref name="connection"/>, which must stay open for them to be reused.</summary>
    public static void Attach(SqliteConnection connection) => Caches.AddOrUpdate(connection, new SqliteStatementCache(connection));

    public static SqliteStatementCache? For(SqliteConnection connection) => Caches.TryGetValue(connection, out var cache) ? cache : null;

    /// <summary>A command for <paramref name="sql"/>, prepared already if it ran on this connection before.</summary>
    public SqliteCommand Rent(string sql)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(sql, out var entry))
            {
                if (!entry.InUse)
                {
                    entry.InUse = true;
                    return entry.Command;
                }
            }
            else if (_entries.Count < Capacity)
            {
                var command = _connection.CreateCommand();
                command.CommandText = sql;
                _entries.Add(sql, new Entry(command) { InUse = true });
                return command;
            }
        }

        // The same statement is already executing on this connection (an open reader): a one-off command.
        var oneOff = _connection.CreateCommand();
        oneOff.CommandText = sql;
        return oneOff;
    }

    /// <summary>Takes a command back after its execution (its reader is closed); one-off commands are disposed.</summary>
    public void Return(SqliteCommand command)
    {
        command.Parameters.Clear();
        command.Transaction = null;
        lock (_lock)
        {
            if (_entries.TryGetValue(command.CommandText, out var entry) && ReferenceEquals(entry.Command, command))
            {
                entry.InUse = false;
                return;
            }
        }

        command.Dispose();
    }

    private sealed class Entry(SqliteCommand command)
    {
        public SqliteCommand Command { get; } = command;

        public bool InUse { get; set; }
    }
}
