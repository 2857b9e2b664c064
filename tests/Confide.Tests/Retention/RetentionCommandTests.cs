using System.Text.Json;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Retention;

/// <summary><c>confide retention pause|resume|run|status</c> beside a running server.</summary>
public sealed class RetentionCommandTests
{
    [Fact]
    public async Task PauseRefusesARun_ResumeAllowsIt_AndStatusShowsTheFinishedRun()
    {
        using var server = new ServerProcess();
        try
        {
            await server.StartAsync();
            var status = Region(await server.RunCliJsonAsync("retention", "status", "--region", "eu", "--json"));
            Assert.False(status.GetProperty("paused").GetBoolean());
            Assert.Equal(JsonValueKind.Null, status.GetProperty("current_run").ValueKind);
            Assert.Equal(0, status.GetProperty("last_runs").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, status.GetProperty("next_run_at").ValueKind); // the test server does not schedule

            var (paused, pausedText, _) = await server.RunCliAsync("retention", "pause", "--region", "eu");
            Assert.Equal(0, paused);
            Assert.Contains("paused", pausedText, StringComparison.Ordinal);
            status = Region(await server.RunCliJsonAsync("retention", "status", "--region", "eu", "--json"));
            Assert.True(status.GetProperty("paused").GetBoolean());
            Assert.Equal("confide-cli", status.Str("paused_by"));
            var (refused, _, refusal) = await server.RunCliAsync("retention", "run", "--region", "eu");
            Assert.Equal(3, refused);
            Assert.Contains("paused", refusal, StringComparison.Ordinal);

            Assert.Equal(0, (await server.RunCliAsync("retention", "resume", "--region", "eu")).ExitCode);
            var (queued, queuedText, _) = await server.RunCliAsync("retention", "run", "--region", "eu");
            Assert.Equal(0, queued);
            Assert.Contains("queued as job", queuedText, StringComparison.Ordinal);

            // The serving process runs it.
            var done = await Poll.UntilAsync(
                async () => Region(await server.RunCliJsonAsync("retention", "status", "--region", "eu", "--json")),
                s => s.GetProperty("last_runs").GetArrayLength() == 1,
                TimeSpan.FromSeconds(90), "the run to finish");
            var run = done.GetProperty("last_runs")[0];
            Assert.Equal(("manual", "completed"), (run.Str("trigger"), run.Str("state")));

            var (exit, table, _) = await server.RunCliAsync("retention", "status");
            Assert.Equal(0, exit);
            Assert.Contains("Region eu: active", table, StringComparison.Ordinal);
            Assert.Contains(run.Str("id"), table, StringComparison.Ordinal);
            Assert.Equal(2, (await server.RunCliAsync("retention", "status", "--region", "mars")).ExitCode);
        }
        finally
        {
            await server.StopAsync();
        }
    }

    private static JsonElement Region(JsonElement statuses) => statuses.EnumerateArray().Single(s => s.Str("region") == "eu");
}
