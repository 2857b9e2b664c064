namespace Confide.Tests.Infrastructure;

/// <summary>Waits for a condition, never for a fixed time: asks again every short while until it holds or the generous timeout runs out.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
        }
        while (await WaitAsync(tick, deadline.Token));

        throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; the last value was {last}.");
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), held => held, timeout, what);

    private static async Task<bool> WaitAsync(PeriodicTimer tick, CancellationToken deadline)
    {
        try
        {
            return await tick.WaitForNextTickAsync(deadline);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
