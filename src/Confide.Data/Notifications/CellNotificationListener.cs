using Confide.Platform;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Confide.Data.Notifications;

/// <summary>
/// Holds one listening connection per PostgreSQL cell this process serves and hands what
/// arrives to <see cref="CellNotifications"/>. A lost connection (a restart, a failover to a
/// new primary) is opened again with a growing pause, up to <see cref="MaxPause"/>; once it
/// listens again the subscribers are told to re-read, since signals sent meanwhile are lost.
/// </summary>
internal sealed partial class CellNotificationListener(
    CellRegistry cells, CellNotifications notifications, TimeProvider time, ILogger<CellNotificationListener> logger) : BackgroundService
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle connection is checked, so a silently dead one is noticed.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(cells.All
            .Where(cell => cell.Provider == DatabaseProvider.Postgres)
            .Select(cell => ListenAsync(cell, stoppingToken)));

    private async Task ListenAsync(CellDatabase cell, CancellationToken stoppingToken)
    {
        var pause = FirstPause;
        var listenedBefore = false;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(cell.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => notifications.Deliver(cell.Region, e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {CellNotifications.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (listenedBefore)
                {
                    LogListeningAgain(logger, cell.Region.Code);
                    notifications.Resync(cell.Region);
                }

                listenedBefore = true;
                failing = false;
                pause = FirstPause;
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(KeepAlive, stoppingToken))
                    {
                        // Nothing arrived: a round trip proves the connection is still there.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                // One line when the outage starts, one when it ends (LogListeningAgain), not one per attempt.
                if (!failing)
                {
                    LogListenFailed(logger, cell.Region.Code, DatabaseFailure.ReasonOf(ex));
                    failing = true;
                }

                try
                {
                    await Task.Delay(pause, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 4921, Level = LogLevel.Warning, Message = "Listening for the other processes' signals in region {Region} failed ({Reason}); trying again every few seconds until it works.")]
    private static partial void LogListenFailed(ILogger logger, string region, string reason);

    [LoggerMessage(EventId = 4922, Level = LogLevel.Information, Message = "Listening for the other processes' signals in region {Region} again; live views re-read what they show.")]
    private static partial void LogListeningAgain(ILogger logger, string region);
}
