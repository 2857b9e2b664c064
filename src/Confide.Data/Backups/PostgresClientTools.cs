using System.Diagnostics;
using Npgsql;

namespace Confide.Data.Backups;

/// <summary>
/// PostgreSQL's own client programs (<c>pg_dump</c>, <c>pg_restore</c>) run for a Confide
/// connection string. The connection goes to them through libpq's environment variables, so the
/// password never appears on a command line; a multi-host string keeps its hosts and asks for
/// the primary, as Confide itself does.
/// </summary>
public static class PostgresClientTools
{
    /// <summary>
    /// The tool's path: from <c>CONFIDE_PG_BIN</c> if set, else the search path, else the newest
    /// Debian-style <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>.
    /// </summary>
    public static string Find(string tool)
    {
        if (Environment.GetEnvironmentVariable("CONFIDE_PG_BIN") is { Length: > 0 } bin)
        {
            return Path.Combine(bin, tool);
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        const string debian = "/usr/lib/postgresql";
        var newest = Directory.Exists(debian)
            ? Directory.EnumerateDirectories(debian)
                .Select(d => (Directory: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => File.Exists(Path.Combine(d.Directory, "bin", tool)))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Directory, "bin", tool))
                .FirstOrDefault()
            : null;
        return newest ?? throw new FileNotFoundException(
            $"PostgreSQL's {tool} was not found on the search path or under {debian}. Install the PostgreSQL client (Debian: postgresql-client) or set CONFIDE_PG_BIN to its directory.");
    }

    /// <summary>libpq's environment for an Npgsql connection string, optionally for another database on the same server.</summary>
    public static Dictionary<string, string> LibpqEnvironment(string connectionString, string? database = null)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var hosts = new List<string>();
        var ports = new List<string>();
        foreach (var entry in (cs.Host ?? "localhost").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "host:port", "[v6]:port" or a bare host that takes the string's Port.
            var colon = entry.LastIndexOf(':');
            var bracket = entry.LastIndexOf(']');
            if (colon > bracket && colon > 0 && int.TryParse(entry[(colon + 1)..], out var port))
            {
                hosts.Add(entry[..colon].Trim('[', ']'));
                ports.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                hosts.Add(entry.Trim('[', ']'));
                ports.Add(cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var env = new Dictionary<string, string>
        {
            ["PGHOST"] = string.Join(',', hosts),
            ["PGPORT"] = string.Join(',', ports),
            ["PGDATABASE"] = database ?? cs.Database ?? "postgres",
            ["PGSSLMODE"] = cs.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Prefer => "prefer",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                _ => "verify-full",
            },
            ["PGCONNECT_TIMEOUT"] = Math.Max(2, cs.Timeout).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGAPPNAME"] = "confide-backup",
        };
        Add(env, "PGUSER", cs.Username);
        Add(env, "PGPASSWORD", cs.Password);
        Add(env, "PGPASSFILE", cs.Passfile);
        Add(env, "PGSSLROOTCERT", cs.RootCertificate);
        Add(env, "PGSSLCERT", cs.SslCertificate);
        Add(env, "PGSSLKEY", cs.SslKey);
        if (hosts.Count > 1 || cs.TargetSessionAttributes is { Length: > 0 })
        {
            env["PGTARGETSESSIONATTRS"] = cs.TargetSessionAttributes is { Length: > 0 } attributes
                ? attributes.Replace("-", "", StringComparison.Ordinal) switch
                {
                    "readwrite" => "read-write",
                    "readonly" => "read-only",
                    "preferstandby" => "prefer-standby",
                    var other => other,
                }
                : "primary";
        }

        return env;
    }

    /// <summary>Starts a tool with its standard streams redirected; the caller pumps them.</summary>
    public static Process Start(string tool, string connectionString, string? database, IEnumerable<string> arguments, bool redirectInput)
    {
        var start = new ProcessStartInfo(Find(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in LibpqEnvironment(connectionString, database))
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
    }

    /// <summary>The last lines of a tool's error output, for an operator's error message (they name tables and hosts, not data).</summary>
    public static string Tail(string errors) =>
        string.Join(" / ", errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));

    private static void Add(Dictionary<string, string> env, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            env[name] = value;
        }
    }
}
