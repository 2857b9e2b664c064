using Confide.Data;
using Confide.Privacy.Retention;

namespace Confide.Tests.Retention;

/// <summary>How a sweep rests between steps so live traffic goes first (docs/retention.md, "Yielding to live traffic").</summary>
public sealed class RetentionPacingTests
{
    [Theory]
    [InlineData(0.5, 20, 0, 20)] // the default: rests as long as it worked
    [InlineData(0.25, 20, 0, 60)] // busy a quarter of the time
    [InlineData(1.0, 20, 0, 0)] // back to back
    [InlineData(1.0, 20, 50, 50)] // the least pause still holds
    [InlineData(0.5, 20, 50, 50)]
    [InlineData(0.05, 5_000, 0, 10_000)] // never longer than the cap, far inside the job lease
    public void PauseAfterStep_KeepsTheSweepBusyAtMostItsShare(double share, int tookMs, int leastMs, int expectedMs)
    {
        var options = new RetentionOptions { BusyShare = share, StepPause = TimeSpan.FromMilliseconds(leastMs) };

        var pause = options.PauseAfter(TimeSpan.FromMilliseconds(tookMs));

        Assert.Equal(expectedMs, pause.TotalMilliseconds, precision: 3);
        Assert.True(pause <= RetentionOptions.MaxPause);
    }

    [Fact]
    public void BatchSize_DefaultsByTheRegionsDatabase_UnlessSet()
    {
        Assert.Equal(25, new RetentionOptions().BatchSizeFor(DatabaseProvider.Sqlite));
        Assert.Equal(100, new RetentionOptions().BatchSizeFor(DatabaseProvider.Postgres));
        Assert.Equal(7, new RetentionOptions { BatchSize = 7 }.BatchSizeFor(DatabaseProvider.Postgres));
    }
}
