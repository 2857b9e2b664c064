using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Confide.Data;

/// <summary>
/// The command EF Core uses on a connection with a <see cref="SqliteStatementCache"/>: setting its
/// text borrows the cached, already prepared command for that text, every call goes to it, and
/// disposing gives it back instead of destroying its statements.
/// </summary>
internal sealed class ReusedSqliteCommand(SqliteStatementCache cache, SqliteConnection connection) : DbCommand
{
    private SqliteCommand? _command;
    private DbTransaction? _transaction;
    private int? _timeout;

    [AllowNull]
    public override string CommandText
    {
        get => _command?.CommandText ?? string.Empty;
        set
        {
            if (_command is not null)
            {
                if (_command.CommandText == value)
                {
                    return;
                }

                cache.Return(_command);
            }

            _command = cache.Rent(value ?? string.Empty);
            _command.Transaction = (SqliteTransaction?)_transaction;
            if (_timeout is { } timeout)
            {
                _command.CommandTimeout = timeout;
            }
        }
    }

    public override int CommandTimeout
    {
        get => _timeout ?? Command.CommandTimeout;
        set
        {
            _timeout = value;
            if (_command is not null)
            {
                _command.CommandTimeout = value;
            }
        }
    }

    public override CommandType CommandType
    {
        get => CommandType.Text;
        set
        {
            if (value != CommandType.Text)
            {
                throw new ArgumentException("SQLite supports only text commands.", nameof(value));
            }
        }
    }

    public override bool DesignTimeVisible { get; set; }

    public override UpdateRowSource UpdatedRowSource { get; set; }

    protected override DbConnection? DbConnection
    {
        get => connection;
        set
        {
            if (!ReferenceEquals(value, connection))
            {
                throw new NotSupportedException("A reused SQLite command stays on its connection.");
            }
        }
    }

    protected override DbParameterCollection DbParameterCollection => Command.Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => _transaction;
        set
        {
            _transaction = value;
            if (_command is not null)
            {
                _command.Transaction = (SqliteTransaction?)value;
            }
        }
    }

    private SqliteCommand Command => _command ?? throw new InvalidOperationException("Set the command text first.");

    public override void Cancel() => _command?.Cancel();

    public override int ExecuteNonQuery() => Command.ExecuteNonQuery();

    public override object? ExecuteScalar() => Command.ExecuteScalar();

    public override void Prepare() => Command.Prepare();

    protected override DbParameter CreateDbParameter() => new SqliteParameter();

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Command.ExecuteReader(behavior);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _command is not null)
        {
            cache.Return(_command);
            _command = null;
        }

        base.Dispose(disposing);
    }
}
