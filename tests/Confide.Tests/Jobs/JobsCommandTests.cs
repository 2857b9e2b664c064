using Confide.Data;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Platform;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Jobs;

/// <summary><c>confide jobs list</c> beside a running server.</summary>
public sealed class JobsCommandTests
{
    [Fact]
    public async Task JobsList_ShowsStateAndProgress_AsJsonAndAsATable()
    {
        using var server = new ServerProcess();
        try
        {
            await server.StartAsync();
            Assert.Equal(0, (await server.RunCliJsonAsync("jobs", "list", "--region", "eu", "--json")).GetArrayLength());

            // A job of a kind no process handles stays queued where the list can see it.
            string jobId;
            await using (var cell = CellDatabase.ForSqliteFile(Region.Eu, Path.Combine(server.DataDirectory, "regions", "eu", "confide.db"), TimeProvider.System))
            {
                var queue = new JobQueue(new JobSignals(), TimeProvider.System);
                jobId = (await queue.EnqueueAsync(cell, new JobRequest("test.listed", "eu_aaaaaaaaaaaa", """{"request":"r1"}"""), CancellationToken.None)).Id;
            }

            var listed = (await server.RunCliJsonAsync("jobs", "list", "--region", "eu", "--state", "queued", "--json")).EnumerateArray().Single();
            Assert.Equal("eu", listed.Str("region"));
            var job = listed.GetProperty("job");
            Assert.Equal((jobId, "test.listed", JobStates.Queued), (job.Str("id"), job.Str("kind"), job.Str("state")));
            Assert.False(job.TryGetProperty("payload", out _));

            var (exitCode, table, _) = await server.RunCliAsync("jobs", "list");
            Assert.Equal(0, exitCode);
            Assert.Contains(jobId, table, StringComparison.Ordinal);
            Assert.Contains("queued", table, StringComparison.Ordinal);
            Assert.Equal(0, (await server.RunCliJsonAsync("jobs", "list", "--state", "failed", "--json")).GetArrayLength());

            var (badState, _, error) = await server.RunCliAsync("jobs", "list", "--state", "stuck");
            Assert.Equal(2, badState);
            Assert.Contains("Unknown state", error, StringComparison.Ordinal);
        }
        finally
        {
            await server.StopAsync();
        }
    }
}
