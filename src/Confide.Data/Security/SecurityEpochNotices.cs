using Confide.Data.Notifications;
using Microsoft.Extensions.Hosting;

namespace Confide.Data.Security;

/// <summary>
/// Keeps the security epochs of the processes sharing a PostgreSQL cell moving together: a
/// notice on topic <see cref="Topic"/> moves this process's epoch, and so does a reconnected
/// listener (notices may have been missed). Changes committed in a transaction carry their notice
/// in it (<see cref="SecurityWrites.NotifySql"/>); the rare one outside a transaction is announced
/// here after the fact.
/// </summary>
internal sealed class SecurityEpochNotices(CellRegistry cells, CellNotifications notifications) : IHostedService
{
    internal const string Topic = "security";

    /// <summary>The origin of notices sent inside a transaction: every process, the sender too, moves its epoch.</summary>
    internal const string AnyOrigin = "-";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        notifications.Subscribe(Topic, (region, _) => MoveIfServed(region), MoveIfServed);
        foreach (var cell in cells.All.Where(c => c.Provider == DatabaseProvider.Postgres))
        {
            cell.SecurityEpoch.Unannounced += () => _ = notifications.PublishAsync(cell, Topic, "1");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void MoveIfServed(Platform.Region region)
    {
        if (cells.Serves(region))
        {
            cells.Get(region).SecurityEpoch.MoveForOtherProcess();
        }
    }
}
