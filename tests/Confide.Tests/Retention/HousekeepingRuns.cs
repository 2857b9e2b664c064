using Confide.Data;
using Confide.Privacy.Retention;
using Confide.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Tests.Retention;

/// <summary>Runs one housekeeping class as the sweep does: batches until none, each write in the cell's writer.</summary>
internal static class HousekeepingRuns
{
    public static THousekeeping Of<THousekeeping>(TestServer server)
        where THousekeeping : IRetentionHousekeeping =>
        server.Services.GetServices<IRetentionHousekeeping>().OfType<THousekeeping>().Single();

    /// <summary>Returns the rows counted over all batches.</summary>
    public static async Task<int> RunAsync(CellDatabase cell, IRetentionHousekeeping housekeeping, DateTimeOffset now, int batchSize = 2)
    {
        var (count, batches) = (0, 0);
        while (await housekeeping.NextBatchAsync(cell, now, batchSize, CancellationToken.None) is { } batch)
        {
            Assert.True(++batches < 1000, "The housekeeping keeps returning batches.");
            Assert.InRange(batch.Count, 1, batchSize);
            count += batch.Count;
            if (batch.Write is { } write)
            {
                await cell.Writer.WriteAsync(write, CancellationToken.None);
            }
        }

        return count;
    }
}
