using Confide.Data;
using Confide.Data.Notifications;
using Microsoft.Extensions.Hosting;

namespace Confide.Crypto;

/// <summary>
/// Tells the other processes of a PostgreSQL region when contact keys were destroyed (an erasure,
/// a retention batch, the end of a rotation), so they drop the unwrapped copies they cache at
/// once instead of within <see cref="ContactKeyRing.VersionFreshness"/>. Ids only.
/// </summary>
internal sealed class ContactKeyNotices : IHostedService
{
    private const string Topic = "contact_keys";
    private const string WholeWorkspace = "*";

    public ContactKeyNotices(ContactKeyRing keys, CellRegistry cells, CellNotifications notifications)
    {
        keys.Destroyed += (region, workspaceId, contactId) =>
        {
            if (cells.Serves(region))
            {
                _ = notifications.PublishAsync(cells.Get(region), Topic, $"{workspaceId} {contactId ?? WholeWorkspace}");
            }
        };
        // A notice missed while the connection was down is covered by the cache's freshness check.
        notifications.Subscribe(
            Topic,
            (region, payload) =>
            {
                var ids = payload.Split(' ');
                if (ids.Length == 2)
                {
                    keys.Evict(region, ids[0], ids[1] == WholeWorkspace ? null : ids[1]);
                }
            },
            resync: _ => { });
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
