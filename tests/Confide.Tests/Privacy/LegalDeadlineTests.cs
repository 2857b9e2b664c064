using Confide.Data.Model;
using Confide.Privacy.Requests;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Privacy;

/// <summary>GDPR Art. 12(3) deadlines around month ends, in UTC, read from a FakeTimeProvider as the commands read the clock.</summary>
public sealed class LegalDeadlineTests
{
    [Theory]
    [InlineData("2027-01-31T10:15:00Z", "2027-02-28T10:15:00Z")] // no 31 February: the month's last day
    [InlineData("2028-01-31T10:15:00Z", "2028-02-29T10:15:00Z")] // leap year
    [InlineData("2028-01-29T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("2026-11-30T23:59:59Z", "2026-12-30T23:59:59Z")] // the same day number, not the month's last day
    [InlineData("2026-12-31T08:00:00Z", "2027-01-31T08:00:00Z")] // over the year's end
    [InlineData("2027-03-31T12:00:00Z", "2027-04-30T12:00:00Z")]
    [InlineData("2027-02-28T12:00:00Z", "2027-03-28T12:00:00Z")] // from February's last day: the same number, not March's last
    public void Due_IsOneCalendarMonthLater_OrTheLastDayOfAShorterMonth(string receivedAt, string expected)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse(receivedAt, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), LegalDeadline.Due(clock.GetUtcNow()));
    }

    [Theory]
    [InlineData("2028-01-31T10:00:00Z", "2028-04-29T10:00:00Z")] // 31 Jan → 29 Feb → 29 Apr: two months from the original deadline
    [InlineData("2026-12-31T08:00:00Z", "2027-03-31T08:00:00Z")] // 31 Dec → 31 Jan → 31 Mar
    [InlineData("2026-11-30T09:00:00Z", "2027-02-28T09:00:00Z")] // 30 Nov → 30 Dec → 28 Feb
    public void Extended_AddsTwoMonthsToTheOriginalDeadline(string receivedAt, string expected)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse(receivedAt, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), LegalDeadline.Extended(LegalDeadline.Due(clock.GetUtcNow())));
    }

    [Fact]
    public void AnInstantWithAnOffset_CountsInUtc()
    {
        // 1 March 00:30 in Paris is still 28 February in UTC: the month runs from the UTC date.
        var paris = new DateTimeOffset(2027, 3, 1, 0, 30, 0, TimeSpan.FromHours(1));
        Assert.Equal(new DateTimeOffset(2027, 3, 28, 23, 30, 0, TimeSpan.Zero), LegalDeadline.Due(paris));
    }

    [Fact]
    public void AnOpenRequest_IsDueSoonInItsLastSevenDays_ThenOverdue_AndAClosedOneNeither()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 1, 31, 9, 0, 0, TimeSpan.Zero));
        var request = Request(clock.GetUtcNow());
        Assert.Equal(new DateTimeOffset(2027, 2, 28, 9, 0, 0, TimeSpan.Zero), request.DeadlineAt);
        Assert.False(PrivacyRequestDeadlines.IsDueSoon(request, clock.GetUtcNow()));

        clock.SetUtcNow(request.DeadlineAt - TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.False(PrivacyRequestDeadlines.IsDueSoon(request, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(PrivacyRequestDeadlines.IsDueSoon(request, clock.GetUtcNow()));
        Assert.False(PrivacyRequestDeadlines.IsOverdue(request, clock.GetUtcNow()));

        clock.SetUtcNow(request.DeadlineAt);
        Assert.True(PrivacyRequestDeadlines.IsDueSoon(request, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(PrivacyRequestDeadlines.IsOverdue(request, clock.GetUtcNow()));
        Assert.False(PrivacyRequestDeadlines.IsDueSoon(request, clock.GetUtcNow()));

        request.State = PrivacyRequestStates.Completed;
        Assert.False(PrivacyRequestDeadlines.IsOverdue(request, clock.GetUtcNow()));
    }

    [Theory]
    [InlineData("received", "verify", "verifying")]
    [InlineData("verifying", "start", "in_progress")]
    [InlineData("in_progress", "complete", "completed")]
    [InlineData("received", "refuse", "refused")]
    [InlineData("verifying", "refuse", "refused")]
    [InlineData("in_progress", "refuse", "refused")]
    public void Transitions_FollowTheStateMachine(string from, string action, string to) =>
        Assert.Equal(to, PrivacyRequestTransitions.Next(from, action));

    [Theory]
    [InlineData("received", "start")]
    [InlineData("received", "complete")]
    [InlineData("verifying", "verify")]
    [InlineData("in_progress", "verify")]
    [InlineData("completed", "refuse")]
    [InlineData("refused", "verify")]
    [InlineData("completed", "complete")]
    public void OtherTransitions_AreConflicts(string from, string action)
    {
        var refused = Assert.Throws<Confide.Platform.ConfideException>(() => PrivacyRequestTransitions.Next(from, action));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.Error.Status);
        Assert.Contains($"'{from}' cannot {action}", refused.Error.Message, StringComparison.Ordinal);
    }

    private static PrivacyRequest Request(DateTimeOffset receivedAt)
    {
        var due = LegalDeadline.Due(receivedAt);
        return new PrivacyRequest
        {
            Id = "000000000000000000000001", WorkspaceId = "eu_aaaaaaaaaaaa", Kind = PrivacyRequestKinds.Access, State = PrivacyRequestStates.Received,
            ReceivedVia = PrivacyRequestChannels.Email, SubjectIdentifierType = PrivacyRequestFields.Email, ReceivedAt = receivedAt, DueAt = due, DeadlineAt = due,
            CreatedById = "000000000000000000000002", CreatedAt = receivedAt, UpdatedAt = receivedAt,
        };
    }
}
