using Confide.Tests.Infrastructure;

namespace Confide.Tests.Data;

/// <summary><c>confide cells vacuum</c> beside a running server.</summary>
public sealed class CellsCommandTests
{
    [Fact]
    public async Task CellsVacuum_RewritesEachSqliteCell_WhileTheServerRuns_AndRefusesAnUnknownRegion()
    {
        using var server = new ServerProcess();
        try
        {
            await server.StartAsync();
            var vacuumed = (await server.RunCliJsonAsync("cells", "vacuum", "--region", "eu", "--json")).EnumerateArray().Single();
            Assert.Equal(("eu", "sqlite", true), (vacuumed.Str("region"), vacuumed.Str("provider"), vacuumed.GetProperty("done").GetBoolean()));
            Assert.True(vacuumed.GetProperty("bytes_after").GetInt64() > 0);

            var (exitCode, table, _) = await server.RunCliAsync("cells", "vacuum");
            Assert.Equal(0, exitCode);
            Assert.Contains("eu: rewritten", table, StringComparison.Ordinal);

            var (unknown, _, error) = await server.RunCliAsync("cells", "vacuum", "--region", "mars");
            Assert.Equal(2, unknown);
            Assert.Contains("Unknown or unserved region", error, StringComparison.Ordinal);
        }
        finally
        {
            await server.StopAsync();
        }
    }
}
