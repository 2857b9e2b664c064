using System.Data.Common;
using System.Runtime.CompilerServices;
using Confide.Data.Notifications;

namespace Confide.Data.Security;

/// <summary>
/// Notices writes to the tables that decide who a caller is and what they may do, whatever
/// wrote them (a tracked save, <c>ExecuteUpdate</c>, <c>ExecuteDelete</c>), and moves the cell's
/// <see cref="SecurityEpoch"/> once they committed. Watching the commands rather than marking
/// each call site means a new way of revoking or demoting cannot forget to invalidate.
/// An update that only records use (a token's last use) changes nothing about access and does
/// not count: it is recognised by the columns it sets (EF Core leaves tags out of bulk updates).
/// </summary>
public static partial class SecurityWrites
{
    /// <summary>Columns whose updates record use, not access, per table.</summary>
    private static readonly Dictionary<string, string[]> UsageColumns = new(StringComparer.Ordinal)
    {
        ["ApiTokens"] = ["LastUsedAt"],
    };

    private static readonly string[] Tables =
        ["\"ApiTokens\"", "\"Teammates\"", "\"Workspaces\"", "\"WorkspaceRoles\"", "\"AspNetUsers\"", "\"AspNetUserPasskeys\""];

    /// <summary>The notification a PostgreSQL transaction sends with its commit: every process, this one too, moves its epoch.</summary>
    internal static readonly string NotifySql =
        $"SELECT pg_notify('{CellNotifications.Channel}', '{SignalMessage.Format(SecurityEpochNotices.AnyOrigin, SecurityEpochNotices.Topic, "1")}')";

    private static readonly ConditionalWeakTable<DbTransaction, object> Dirty = [];
    private static readonly object Marked = new();

    /// <summary>Whether a command may change access: not a read, not a usage-only update, and naming one of the tables.</summary>
    internal static bool MayChangeAccess(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        // EF Core puts tags first, as "-- tag" lines.
        while (text.StartsWith("--", StringComparison.Ordinal))
        {
            var end = text.IndexOf('\n');
            text = end < 0 ? [] : text[(end + 1)..].TrimStart();
        }

        if (text.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || text.StartsWith("PRAGMA", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var table in Tables)
        {
            if (text.Contains(table, StringComparison.Ordinal))
            {
                return !IsUsageOnly(text.ToString());
            }
        }

        return false;
    }

    /// <summary>A single-table <c>UPDATE</c> that sets only usage columns (e.g. <c>UPDATE "ApiTokens" AS a SET "LastUsedAt" = @p WHERE …</c>).</summary>
    private static bool IsUsageOnly(string sql)
    {
        // One statement only: a batch may carry an access change after a usage update.
        if (sql.TrimEnd().TrimEnd(';').Contains(';', StringComparison.Ordinal))
        {
            return false;
        }

        var update = UsageUpdate().Match(sql);
        if (!update.Success || !UsageColumns.TryGetValue(update.Groups["table"].Value, out var columns))
        {
            return false;
        }

        foreach (var assignment in update.Groups["sets"].Value.Split(','))
        {
            var column = AssignedColumn().Match(assignment);
            if (!column.Success || Array.IndexOf(columns, column.Groups["column"].Value) < 0)
            {
                return false;
            }
        }

        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^UPDATE \"(?<table>\\w+)\"(?: AS \"?\\w+\"?)?\\s+SET\\s+(?<sets>.+?)\\s+WHERE\\s", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex UsageUpdate();

    [System.Text.RegularExpressions.GeneratedRegex("^\\s*\"(?<column>\\w+)\"\\s*=\\s*@\\w+\\s*$")]
    private static partial System.Text.RegularExpressions.Regex AssignedColumn();

    internal static void MarkDirty(DbTransaction transaction) => Dirty.AddOrUpdate(transaction, Marked);

    /// <summary>True once, for a transaction that wrote to an access table (the mark is taken).</summary>
    internal static bool TakeDirty(DbTransaction transaction) => Dirty.Remove(transaction);

    internal static bool IsDirty(DbTransaction transaction) => Dirty.TryGetValue(transaction, out _);
}
