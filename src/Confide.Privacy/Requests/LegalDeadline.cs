namespace Confide.Privacy.Requests;

/// <summary>
/// The GDPR Art. 12(3) deadlines, in UTC: an answer is due one month after receipt, and the
/// deadline may be extended once by two further months. "One month" is read as the courts and
/// Regulation 1182/71 read it: the same day number of the next month, or that month's last day
/// when it has no such day (31 January → 28 or 29 February; 30 November → 30 December). The
/// time of day is kept. The extension counts two months from the original deadline the same way
/// (31 January received → due 29 February 2028 → extended to 29 April 2028).
/// </summary>
public static class LegalDeadline
{
    public const int ExtensionMonths = 2;

    /// <summary>The window in which an open request counts as due soon.</summary>
    public static readonly TimeSpan DueSoonWindow = TimeSpan.FromDays(7);

    /// <summary>The deadline of a request received at <paramref name="receivedAt"/>.</summary>
    public static DateTimeOffset Due(DateTimeOffset receivedAt) => AddMonths(receivedAt, 1);

    /// <summary>The deadline after the one extension, from the original deadline.</summary>
    public static DateTimeOffset Extended(DateTimeOffset originalDue) => AddMonths(originalDue, ExtensionMonths);

    /// <summary>
    /// Calendar months in UTC. <see cref="DateTime.AddMonths"/> already clamps to the last day of
    /// a shorter month; it is named here so the rule is written down and tested in one place.
    /// </summary>
    private static DateTimeOffset AddMonths(DateTimeOffset instant, int months)
    {
        var utc = instant.UtcDateTime;
        var target = new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(months);
        var day = Math.Min(utc.Day, DateTime.DaysInMonth(target.Year, target.Month));
        return new DateTimeOffset(target.AddDays(day - 1).Add(utc.TimeOfDay), TimeSpan.Zero);
    }
}
