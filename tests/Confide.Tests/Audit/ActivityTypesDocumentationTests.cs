using System.Text.RegularExpressions;
using Confide.Audit;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Audit;

/// <summary>docs/activity-log.md lists exactly the activity types Confide records.</summary>
public sealed partial class ActivityTypesDocumentationTests
{
    [Fact]
    public void TheDocumentedTable_ListsEveryActivityType_AndNoOther()
    {
        var doc = File.ReadAllText(Path.Combine(Checkout.Root(), "docs", "activity-log.md"));
        var documented = TableRow().Matches(doc).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(ActivityTypes.All.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^\| `([a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
