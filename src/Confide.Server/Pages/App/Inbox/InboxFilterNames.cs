using Confide.Messaging.Inbox;

namespace Confide.Server.Pages.App.Inbox;

/// <summary>How the inbox filters appear: their <c>?state=</c> value and their label.</summary>
public static class InboxFilterNames
{
    /// <summary>The order the filters are listed in.</summary>
    public static IReadOnlyList<InboxFilter> Listed { get; } = [InboxFilter.Open, InboxFilter.Mine, InboxFilter.Unassigned, InboxFilter.Closed, InboxFilter.Snoozed, InboxFilter.All];

    public static string QueryValue(this InboxFilter filter) => filter.ToString().ToLowerInvariant();

    public static string Label(this InboxFilter filter) => filter switch
    {
        InboxFilter.Mine => "Assigned to me",
        InboxFilter.Unassigned => "Unassigned",
        _ => filter.ToString(),
    };

    /// <summary>The filter a <c>?state=</c> value names; open for anything else (numbers included).</summary>
    public static InboxFilter Parse(string? value) =>
        Listed.FirstOrDefault(f => string.Equals(f.QueryValue(), value, StringComparison.OrdinalIgnoreCase), InboxFilter.Open);
}
