using Confide.Platform;
using Microsoft.Extensions.Time.Testing;

namespace Confide.Tests.Unit;

public sealed class LogRateLimiterTests
{
    private static readonly LogKey Outage = new("database_unavailable", "Npgsql.NpgsqlException", "/contacts");

    [Fact]
    public void RepeatsWithinTheWindow_AreSuppressed_AndCountedOnTheFirstAfterIt()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogRateLimiter(time, TimeSpan.FromSeconds(60));

        Assert.True(limiter.ShouldLog(Outage, out var suppressed));
        Assert.Equal(0, suppressed);
        for (var i = 0; i < 1000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            Assert.False(limiter.ShouldLog(Outage, out _));
        }

        time.Advance(TimeSpan.FromSeconds(10)); // 60 s after the first
        Assert.True(limiter.ShouldLog(Outage, out suppressed));
        Assert.Equal(1000, suppressed);

        // The count starts over with the line that reported it.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(limiter.ShouldLog(Outage, out _));
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(limiter.ShouldLog(Outage, out suppressed));
        Assert.Equal(1, suppressed);
    }

    [Fact]
    public void DifferentEventTypeOrSite_IsLoggedOnItsOwn()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogRateLimiter(time, TimeSpan.FromSeconds(60));

        Assert.True(limiter.ShouldLog(Outage, out _));
        Assert.True(limiter.ShouldLog(Outage with { Event = "unhandled" }, out _));
        Assert.True(limiter.ShouldLog(Outage with { ExceptionType = "Microsoft.Data.Sqlite.SqliteException" }, out _));
        Assert.True(limiter.ShouldLog(Outage with { Site = "/conversations" }, out _));
        Assert.False(limiter.ShouldLog(Outage, out _));
    }

    [Fact]
    public void QuietKey_IsLoggedAgainWithNothingSuppressed()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogRateLimiter(time, TimeSpan.FromSeconds(5));

        Assert.True(limiter.ShouldLog(Outage, out _));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(limiter.ShouldLog(Outage, out var suppressed));
        Assert.Equal(0, suppressed);
    }

    [Fact]
    public void ManyDistinctKeys_ExpiredOnesAreForgotten_LiveOnesStillSuppress()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogRateLimiter(time, TimeSpan.FromSeconds(60));
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(limiter.ShouldLog(Outage with { Site = $"/site-{i}" }, out _));
        }

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(limiter.ShouldLog(Outage, out _));
        Assert.False(limiter.ShouldLog(Outage, out _));
        Assert.True(limiter.ShouldLog(Outage with { Site = "/site-1" }, out var suppressed));
        Assert.Equal(0, suppressed);
    }
}
