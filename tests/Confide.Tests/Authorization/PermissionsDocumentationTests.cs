using System.Text.RegularExpressions;
using Confide.Identity.Authorization;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Authorization;

/// <summary>docs/permissions.md's role table is exactly the code's.</summary>
public sealed partial class PermissionsDocumentationTests
{
    [Fact]
    public void TheRoleTable_MatchesBuiltInRoles()
    {
        var doc = File.ReadAllLines(Path.Combine(Checkout.Root(), "docs", "permissions.md"));
        var header = doc.First(l => l.StartsWith("| permission |", StringComparison.Ordinal)).Split('|').Select(c => c.Trim()).ToArray();
        var roles = header[3..^1];
        Assert.Equal(BuiltInRoles.Names.Order(StringComparer.Ordinal), roles.Order(StringComparer.Ordinal));

        var documented = new List<string>();
        foreach (var row in doc.Where(l => PermissionRow().IsMatch(l)))
        {
            var cells = row.Split('|').Select(c => c.Trim()).ToArray();
            var permission = PermissionRow().Match(row).Groups[1].Value;
            documented.Add(permission);
            for (var i = 0; i < roles.Length; i++)
            {
                Assert.True(
                    (cells[3 + i] == "✓") == BuiltInRoles.PermissionsOf(roles[i]).Contains(permission),
                    $"docs/permissions.md: {roles[i]} / {permission}");
            }
        }

        Assert.Equal(Permissions.All.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\| `([a-z_.]+)` \| [^|]+ \|( [✓ ]*\|){5}$")]
    private static partial Regex PermissionRow();
}
