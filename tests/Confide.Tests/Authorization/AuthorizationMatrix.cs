using Confide.Tests.Infrastructure;

namespace Confide.Tests.Authorization;

/// <summary>
/// The hand-written table of who may call what (<c>authorization-matrix.md</c> beside this
/// file): under "API endpoints", rows <c>| `METHOD /pattern` | ✓ | ✗ | … |</c> with one column
/// per caller; under "Public routes", rows <c>| `METHOD /pattern` | why |</c>.
/// </summary>
internal sealed class AuthorizationMatrix
{
    private const string Allowed = "✓";
    private const string Refused = "✗";

    private readonly Dictionary<(string Endpoint, string Caller), bool> _cells = new();
    private readonly List<string> _endpoints = [];
    private readonly List<string> _public = [];

    public IReadOnlyList<string> Endpoints => _endpoints;

    public IReadOnlyList<string> PublicRoutes => _public;

    public bool Allows(string endpoint, string caller) =>
        _cells.TryGetValue((endpoint, caller), out var allowed)
            ? allowed
            : throw new InvalidOperationException($"authorization-matrix.md has no cell for {endpoint} × {caller}.");

    public static AuthorizationMatrix Load() =>
        Parse(File.ReadAllLines(Path.Combine(Checkout.Root(), "tests", "Confide.Tests", "Authorization", "authorization-matrix.md")));

    internal static AuthorizationMatrix Parse(IEnumerable<string> lines)
    {
        var matrix = new AuthorizationMatrix();
        string? section = null;
        string[]? columns = null;
        foreach (var line in lines.Select(l => l.Trim()))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..];
                columns = null;
                continue;
            }

            if (!line.StartsWith('|') || line.StartsWith("|---", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (!cells[0].StartsWith('`'))
            {
                columns = cells; // a header row
                continue;
            }

            var endpoint = cells[0].Trim('`');
            if (section == "Public routes")
            {
                Add(matrix._public, endpoint);
            }
            else if (section == "API endpoints")
            {
                Add(matrix._endpoints, endpoint);
                if (columns is null || columns.Length != cells.Length)
                {
                    throw new FormatException($"authorization-matrix.md: the row of {endpoint} does not match its table's columns.");
                }

                for (var i = 1; i < cells.Length; i++)
                {
                    matrix._cells[(endpoint, columns[i])] = cells[i] switch
                    {
                        Allowed => true,
                        Refused => false,
                        _ => throw new FormatException($"authorization-matrix.md: {endpoint} × {columns[i]} is '{cells[i]}', not {Allowed} or {Refused}."),
                    };
                }
            }
        }

        return matrix;
    }

    private static void Add(List<string> list, string endpoint)
    {
        if (list.Contains(endpoint, StringComparer.Ordinal))
        {
            throw new FormatException($"authorization-matrix.md lists {endpoint} twice.");
        }

        list.Add(endpoint);
    }
}
