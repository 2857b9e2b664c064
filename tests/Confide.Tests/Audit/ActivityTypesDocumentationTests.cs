using System.Text.RegularExpressions;
using Confide.Audit;

namespace Confide.Tests.Audit;

/// <summary>docs/activity-log.md lists exactly the activity types Confide records.</summary>
public sealed partial class ActivityTypesDocumentationTests
{
    [Fact]
    public void TheDocumentedTable_ListsEveryActivityType_AndNoOther()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Confide.slnx")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var doc = File.ReadAllText(Path.Combine(directory.FullName, "docs", "activity-log.md"));
        var documented = TableRow().Matches(doc).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(ActivityTypes.All.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\| `([a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
