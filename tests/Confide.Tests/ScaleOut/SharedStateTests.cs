using Confide.Data;
using Confide.Data.Notifications;
using Confide.Data.SharedState;
using Confide.Platform;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confide.Tests.ScaleOut;

/// <summary>The PostgreSQL pieces processes share, each exercised by two "processes" on one database.</summary>
public sealed class SharedStateTests
{
    [Fact]
    public async Task RateLimitStore_BucketGivesEachPermitOnce_AcrossConcurrentTakers()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var first = new PostgresRateLimitStore(database);
            var second = new PostgresRateLimitStore(database);
            var key = new byte[32];
            // 40 takers of 3 from a bucket of 50 refilled at 1/s: never more than 50 (+ refill) in all.
            var granted = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
                (i % 2 == 0 ? first : second).TakeFromBucketAsync(key, want: 3, limit: 50, perSecond: 1, CancellationToken.None)));
            Assert.InRange(granted.Sum(), 50, 52);
            Assert.All(granted, g => Assert.InRange(g, 0, 3));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task RateLimitStore_WindowAllowsItsPermits_ThenNothingUntilTheNextWindow()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var store = new PostgresRateLimitStore(database);
            var key = new byte[] { 1 };
            // A one-hour window cannot roll over during the test.
            Assert.Equal(4, await store.TakeFromWindowAsync(key, want: 4, limit: 10, seconds: 3600, CancellationToken.None));
            Assert.Equal(6, await store.TakeFromWindowAsync(key, want: 8, limit: 10, seconds: 3600, CancellationToken.None));
            Assert.Equal(0, await store.TakeFromWindowAsync(key, want: 1, limit: 10, seconds: 3600, CancellationToken.None));
            // Another key has its own window.
            Assert.Equal(1, await store.TakeFromWindowAsync([2], want: 1, limit: 10, seconds: 3600, CancellationToken.None));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Signals_ReachTheOtherProcess_NotTheSender()
    {
        TestPostgres.RequireFor(Providers.Postgres);
        var database = await TestPostgres.CreateDatabaseAsync();
        try
        {
            var options = new ConfideOptions { Serve = ["eu"] };
            options.Regions["eu"] = new RegionSettings { Postgres = database };
            await using var registry = new CellRegistry(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
            var cell = registry.Get(Region.Eu);
            var sender = new CellNotifications(NullLogger<CellNotifications>.Instance, TimeProvider.System);
            var receiver = new CellNotifications(NullLogger<CellNotifications>.Instance, TimeProvider.System);
            var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var echoed = new System.Collections.Concurrent.ConcurrentQueue<string>();
            receiver.Subscribe("test", (region, payload) => received.Enqueue($"{region.Code}:{payload}"), _ => { });
            sender.Subscribe("test", (_, payload) => echoed.Enqueue(payload), _ => { });
            sender.Subscribe("other", (_, payload) => echoed.Enqueue(payload), _ => { });

            using var stop = new CancellationTokenSource();
            var listenReceiver = new CellNotificationListener(registry, receiver, TimeProvider.System, NullLogger<CellNotificationListener>.Instance);
            var listenSender = new CellNotificationListener(registry, sender, TimeProvider.System, NullLogger<CellNotificationListener>.Instance);
            await listenReceiver.StartAsync(stop.Token);
            await listenSender.StartAsync(stop.Token);
            try
            {
                // The listeners subscribe asynchronously: send until the first one arrives.
                await Poll.UntilAsync(
                    async () =>
                    {
                        await sender.PublishAsync(cell, "test", "w1 c1 k1");
                        await Task.Delay(100);
                        return received.Count;
                    },
                    count => count > 0,
                    TimeSpan.FromSeconds(20),
                    "a signal from the other process");
                Assert.All(received, r => Assert.Equal("eu:w1 c1 k1", r));
                Assert.Empty(echoed);
            }
            finally
            {
                await listenReceiver.StopAsync(CancellationToken.None);
                await listenSender.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }
}
