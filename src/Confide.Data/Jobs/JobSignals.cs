using Confide.Platform;

namespace Confide.Data.Jobs;

/// <summary>
/// Wakes this process's runner for a cell when a job was enqueued (or a slot freed) here, so it
/// does not wait for its next poll. Other processes find the job at their next poll.
/// </summary>
public sealed class JobSignals
{
    private readonly Dictionary<Region, WakeSignal> _signals = Region.All.ToDictionary(r => r, _ => new WakeSignal());

    public void Wake(Region region) => _signals[region].Set();

    internal WakeSignal For(Region region) => _signals[region];

    internal sealed class WakeSignal
    {
        private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Set() => Volatile.Read(ref _current).TrySetResult();

        /// <summary>
        /// The task a later <see cref="Set"/> completes. Taken before looking for work, so a wake
        /// that comes while the runner looks is not lost.
        /// </summary>
        public Task Arm()
        {
            var current = Volatile.Read(ref _current);
            if (current.Task.IsCompleted)
            {
                var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                current = Interlocked.CompareExchange(ref _current, fresh, current) == current ? fresh : Volatile.Read(ref _current);
            }

            return current.Task;
        }
    }
}
