using System.Collections.Concurrent;
using System.Security.Cryptography;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Data.Jobs;

/// <summary>
/// Runs the durable jobs of every cell this process serves. Each cell has a loop that claims due
/// jobs under a lease (see <see cref="JobLeases"/>), when this process enqueued one and otherwise
/// every <see cref="JobOptions.PollInterval"/>; each claimed job runs step by step, every step
/// committed with its checkpoint and a renewed lease. A job whose runner died is taken over once
/// its lease expires and resumes from its last checkpoint. Transient failures (the database
/// unavailable, a conflict) are retried with a growing delay; anything else fails the job with a
/// classified code and one log line. At most <see cref="JobOptions.Concurrency"/> jobs run at once.
/// </summary>
public sealed partial class JobRunner : BackgroundService
{
    private readonly CellRegistry _cells;
    private readonly JobHandlers _handlers;
    private readonly JobSignals _signals;
    private readonly JobOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<JobRunner> _logger;
    private readonly LogRateLimiter _rateLimiter;
    private readonly JobLeases _leases;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    internal JobRunner(CellRegistry cells, JobHandlers handlers, JobSignals signals, IOptions<JobOptions> options, TimeProvider time, ILogger<JobRunner> logger)
    {
        _cells = cells;
        _handlers = handlers;
        _signals = signals;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _rateLimiter = new LogRateLimiter(time);
        _slots = new SemaphoreSlim(_options.Concurrency, _options.Concurrency);
        // Names this runner in the lease column (and so in `confide jobs list`): the host and process
        // tell an operator where a job runs; the random part tells two runners of one process apart.
        var host = Environment.MachineName.Length > 64 ? Environment.MachineName[..64] : Environment.MachineName;
        Owner = $"{host}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        _leases = new JobLeases(Owner, _options, time);
    }

    /// <summary>This runner's id; its leases are this id, <c>#</c> and a claim number.</summary>
    public string Owner { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_handlers.Kinds.Count == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(_cells.All.Select(cell => Task.Run(() => RunCellAsync(cell, stoppingToken), CancellationToken.None)));
        }
        finally
        {
            // Running jobs see the stop through their token and hand their jobs back.
            await Task.WhenAll(_running.Keys);
        }
    }

    private async Task RunCellAsync(CellDatabase cell, CancellationToken stopping)
    {
        var signal = _signals.For(cell.Region);
        while (!stopping.IsCancellationRequested)
        {
            var woken = signal.Arm();
            if (await ClaimAndStartAsync(cell, stopping))
            {
                continue; // every free slot got a job: more may be due
            }

            try
            {
                await woken.WaitAsync(_options.PollInterval, _time, stopping);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Claims as many due jobs as there are free slots and starts them; true when all free slots were filled.</summary>
    private async Task<bool> ClaimAndStartAsync(CellDatabase cell, CancellationToken stopping)
    {
        var slots = 0;
        while (_slots.Wait(0, CancellationToken.None))
        {
            slots++;
        }

        if (slots == 0)
        {
            return false; // a finishing job wakes the loop
        }

        IReadOnlyList<Job> claimed = [];
        try
        {
            var result = await _leases.ClaimAsync(cell, _handlers.Kinds, slots);
            claimed = result.Jobs;
            foreach (var job in result.Abandoned)
            {
                LogJobFailed(_logger, job.Id, job.Kind, cell.Region.Code, job.Attempts, JobErrors.LeaseExpired, "");
            }
        }
        catch (Exception ex)
        {
            if (_rateLimiter.ShouldLog(new LogKey(nameof(LogClaimFailed), ex.GetType().Name, cell.Region.Code), out _))
            {
                LogClaimFailed(_logger, cell.Region.Code, JobErrors.Of(ex));
            }
        }
        finally
        {
            if (slots > claimed.Count)
            {
                _slots.Release(slots - claimed.Count);
            }
        }

        foreach (var job in claimed)
        {
            Start(cell, job, stopping);
        }

        return claimed.Count == slots;
    }

    private void Start(CellDatabase cell, Job job, CancellationToken stopping)
    {
        // Registered before it starts, so a job that ends at once is still removed after it was added.
        var start = new Task<Task>(() => RunJobAsync(cell, job, stopping));
        var running = start.Unwrap();
        _running.TryAdd(running, 0);
        running.ContinueWith(
            done =>
            {
                _running.TryRemove(done, out _);
                _slots.Release();
                foreach (var served in _cells.Regions)
                {
                    _signals.Wake(served);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        start.Start(TaskScheduler.Default);
    }

    /// <summary>Runs one claimed job to its end, its hand-back or the loss of its lease; never throws.</summary>
    private async Task RunJobAsync(CellDatabase cell, Job job, CancellationToken stopping)
    {
        var region = cell.Region.Code;
        var context = new JobContext
        {
            Cell = cell,
            JobId = job.Id,
            Kind = job.Kind,
            WorkspaceId = job.WorkspaceId,
            Payload = job.Payload,
            Checkpoint = job.Checkpoint,
            ProgressDone = job.ProgressDone,
            ProgressTotal = job.ProgressTotal,
            Attempt = job.Attempts,
        };
        if (job.Attempts > 1)
        {
            LogJobResumed(_logger, job.Id, job.Kind, region, job.Attempts);
        }

        try
        {
            var handler = _handlers.Get(job.Kind);
            while (true)
            {
                var started = _time.GetTimestamp();
                var step = await handler.RunStepAsync(context, stopping);
                if (step.FailureCode is { } code)
                {
                    await FailAsync(cell, job, code, exception: null);
                    return;
                }

                if (!await _leases.CommitStepAsync(cell, job.Id, job.LeaseOwner!, step))
                {
                    LogLeaseLost(_logger, job.Id, job.Kind, region);
                    return;
                }

                if (step.Finished)
                {
                    LogJobCompleted(_logger, job.Id, job.Kind, region, job.Attempts);
                    return;
                }

                context = context with { Checkpoint = step.Checkpoint, ProgressDone = step.ProgressDone, ProgressTotal = step.ProgressTotal };
                var pause = handler.PauseAfterStep(_time.GetElapsedTime(started));
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, _time, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The process stops: hand the job back at once rather than leave it to the lease.
            await RecordAsync(cell, job, () => _leases.ReleaseAsync(cell, job.Id, job.LeaseOwner!, _time.GetUtcNow(), error: null, countAttempt: false));
        }
        catch (Exception ex) when (IsTransient(ex) && job.Attempts < _options.MaxAttempts)
        {
            var delay = _options.RetryDelayFor(job.Attempts);
            var error = JobErrors.Of(ex);
            if (_rateLimiter.ShouldLog(new LogKey(nameof(LogJobRetrying), ex.GetType().Name, $"{region}/{job.Kind}"), out var suppressed))
            {
                LogJobRetrying(_logger, job.Id, job.Kind, region, error, delay, suppressed);
            }

            await RecordAsync(cell, job, () => _leases.ReleaseAsync(cell, job.Id, job.LeaseOwner!, _time.GetUtcNow() + delay, error, countAttempt: true));
        }
        catch (Exception ex)
        {
            await FailAsync(cell, job, JobErrors.Of(ex), ex);
        }
    }

    /// <summary>A failure the same step may not meet a moment later: the database unreachable, busy or full, or a concurrent write.</summary>
    private static bool IsTransient(Exception exception) =>
        DatabaseFailure.Classify(exception) is DatabaseFailureKind.Unavailable or DatabaseFailureKind.Conflict;

    private async Task FailAsync(CellDatabase cell, Job job, string code, Exception? exception)
    {
        // Logged only by the runner that recorded the failure: one line per failed job. The
        // exception's type (in the code) and stack, never its message, which may quote data.
        if (await RecordAsync(cell, job, () => _leases.FailAsync(cell, job.Id, job.LeaseOwner!, code)))
        {
            LogJobFailed(_logger, job.Id, job.Kind, cell.Region.Code, job.Attempts, code, exception is null ? "" : $" at {exception.StackTrace}");
        }
    }

    /// <summary>Writes a state change; if the write fails the lease runs out and the job is taken up again later.</summary>
    private async Task<bool> RecordAsync(CellDatabase cell, Job job, Func<Task<bool>> write)
    {
        try
        {
            return await write();
        }
        catch (Exception ex)
        {
            if (_rateLimiter.ShouldLog(new LogKey(nameof(LogStateNotRecorded), ex.GetType().Name, cell.Region.Code), out _))
            {
                LogStateNotRecorded(_logger, job.Id, cell.Region.Code, JobErrors.Of(ex));
            }

            return false;
        }
    }

    // _slots is not disposed: a claim still waiting out a database outage when the host stops
    // releases its slots afterwards, and a SemaphoreSlim whose wait handle is never used holds nothing to free.
    public override void Dispose() => base.Dispose();

    [LoggerMessage(EventId = 4600, EventName = "JobFailed", Level = LogLevel.Error,
        Message = "Job {JobId} ({Kind}) in region {Region} failed after {Attempts} attempt(s): {ErrorCode}{StackTrace}")]
    private static partial void LogJobFailed(ILogger logger, string jobId, string kind, string region, int attempts, string errorCode, string stackTrace);

    [LoggerMessage(EventId = 4601, EventName = "JobRetrying", Level = LogLevel.Warning,
        Message = "Job {JobId} ({Kind}) in region {Region} met a transient failure ({ErrorCode}); retrying in {Delay}. {Suppressed} similar line(s) left out.")]
    private static partial void LogJobRetrying(ILogger logger, string jobId, string kind, string region, string errorCode, TimeSpan delay, int suppressed);

    [LoggerMessage(EventId = 4602, EventName = "JobClaimFailed", Level = LogLevel.Warning,
        Message = "Looking for due jobs in region {Region} failed ({ErrorCode}); trying again at the next poll.")]
    private static partial void LogClaimFailed(ILogger logger, string region, string errorCode);

    [LoggerMessage(EventId = 4603, EventName = "JobLeaseLost", Level = LogLevel.Information,
        Message = "Job {JobId} ({Kind}) in region {Region} was cancelled or taken over by another runner; this runner stopped it without committing its last step.")]
    private static partial void LogLeaseLost(ILogger logger, string jobId, string kind, string region);

    [LoggerMessage(EventId = 4604, EventName = "JobStateNotRecorded", Level = LogLevel.Warning,
        Message = "Recording the state of job {JobId} in region {Region} failed ({ErrorCode}); its lease will run out and it will be taken up again.")]
    private static partial void LogStateNotRecorded(ILogger logger, string jobId, string region, string errorCode);

    [LoggerMessage(EventId = 4605, EventName = "JobResumed", Level = LogLevel.Information,
        Message = "Job {JobId} ({Kind}) in region {Region} resumes from its last checkpoint (attempt {Attempt}).")]
    private static partial void LogJobResumed(ILogger logger, string jobId, string kind, string region, int attempt);

    [LoggerMessage(EventId = 4606, EventName = "JobCompleted", Level = LogLevel.Debug,
        Message = "Job {JobId} ({Kind}) in region {Region} completed after {Attempts} attempt(s).")]
    private static partial void LogJobCompleted(ILogger logger, string jobId, string kind, string region, int attempts);
}
