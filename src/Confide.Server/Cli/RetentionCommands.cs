using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data;
using Confide.Platform;
using Confide.Privacy.Retention;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide retention pause|resume|run|status</c>: the operator's controls of the regions'
/// retention sweeps (docs/retention.md). They run beside a serving process: the pause is a row in
/// the region's database that every process reads at each step, and a queued run is picked up by
/// a serving process's job runner. None needs the master key.
/// </summary>
internal static class RetentionCommands
{
    public static Command Create()
    {
        var retention = new Command("retention", "Pause, resume, run and inspect the retention sweeps.");
        retention.Subcommands.Add(PauseCommand());
        retention.Subcommands.Add(ResumeCommand());
        retention.Subcommands.Add(RunCommand());
        retention.Subcommands.Add(StatusCommand());
        return retention;
    }

    private static Option<string?> RegionOption() => new("--region") { Description = "Only this region (us, eu or au); all served regions by default." };

    private static Command PauseCommand()
    {
        var region = RegionOption();
        var command = new Command("pause", "Pause the retention sweeps; one under way stops at its next step.") { region };
        return ForEachRegion(command, region, async (_, app, cell, ct) =>
        {
            var changed = await app.Services.GetRequiredService<RetentionControls>().PauseAsync(cell, ActivityActor.CommandLine.Id, ct);
            await Console.Out.WriteLineAsync(changed ? $"Region '{cell.Region.Code}': retention sweeps paused." : $"Region '{cell.Region.Code}': retention sweeps were already paused.");
            return 0;
        });
    }

    private static Command ResumeCommand()
    {
        var region = RegionOption();
        var command = new Command("resume", "Resume the retention sweeps; a paused run goes on from its checkpoint.") { region };
        return ForEachRegion(command, region, async (_, app, cell, ct) =>
        {
            var changed = await app.Services.GetRequiredService<RetentionControls>().ResumeAsync(cell, ActivityActor.CommandLine.Id, ct);
            await Console.Out.WriteLineAsync(changed ? $"Region '{cell.Region.Code}': retention sweeps resumed." : $"Region '{cell.Region.Code}': retention sweeps were not paused.");
            return 0;
        });
    }

    private static Command RunCommand()
    {
        var region = RegionOption();
        var command = new Command("run", "Queue a retention sweep now (a serving process runs it).") { region };
        return ForEachRegion(command, region, async (_, app, cell, ct) =>
        {
            var (outcome, jobId) = await app.Services.GetRequiredService<RetentionControls>().RunNowAsync(cell, ct);
            switch (outcome)
            {
                case RetentionRunRequest.Queued:
                    await Console.Out.WriteLineAsync($"Region '{cell.Region.Code}': retention sweep queued as job {jobId}.");
                    return 0;
                case RetentionRunRequest.AlreadyActive:
                    await Console.Out.WriteLineAsync($"Region '{cell.Region.Code}': a retention sweep is already queued or under way.");
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"Region '{cell.Region.Code}': retention sweeps are paused; run 'confide retention resume' first.");
                    return 3;
            }
        });
    }

    private static Command StatusCommand()
    {
        var region = RegionOption();
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var last = new Option<int>("--last") { Description = "How many finished runs to show (1-100).", DefaultValueFactory = _ => 5 };
        var command = new Command("status", "Show whether sweeps are paused, the run under way, the last runs and the next run time.") { region, json, last };
        var statuses = new JsonArray();
        return ForEachRegion(command, region, async (result, app, cell, ct) =>
        {
            var status = await app.Services.GetRequiredService<RetentionStatusQueries>().RegionAsync(cell, Math.Clamp(result.GetValue(last), 1, 100), ct);
            statuses.Add(status.ToJson());
            return 0;
        }, after: async result =>
        {
            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(statuses.ToJsonString());
                return;
            }

            foreach (var node in statuses)
            {
                await PrintAsync(node!.AsObject());
            }
        });
    }

    private static async Task PrintAsync(JsonObject status)
    {
        var region = (string)status["region"]!;
        var paused = (bool)status["paused"]!;
        await Console.Out.WriteLineAsync(paused
            ? $"Region {region}: PAUSED since {Time((long?)status["paused_at"])} by {(string?)status["paused_by"] ?? "?"}"
            : $"Region {region}: active");
        await Console.Out.WriteLineAsync($"  next run: {((long?)status["next_run_at"] is { } next ? Time(next) : paused ? "none while paused" : "not scheduled by this configuration")}");
        if (status["current_run"] is JsonObject current)
        {
            await Console.Out.WriteLineAsync($"  current:  {Line(current)}");
        }

        var runs = status["last_runs"]!.AsArray();
        await Console.Out.WriteLineAsync(runs.Count == 0 ? "  no finished runs" : "  last runs:");
        foreach (var run in runs)
        {
            await Console.Out.WriteLineAsync($"    {Line(run!.AsObject())}");
        }
    }

    private static string Line(JsonObject run)
    {
        var counts = run["counts"]!.AsObject();
        var deleted = counts.Count == 0 ? "nothing deleted" : string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"));
        var finished = (long?)run["finished_at"] is { } f ? Time(f) : "-";
        return $"{run["id"]} {run["trigger"],-8} {run["state"],-9} started {Time((long?)run["started_at"])} finished {finished}, {run["workspaces_done"]} workspace(s), {run["workspaces_held"]} held: {deleted}";
    }

    private static string Time(long? unixSeconds) => unixSeconds is { } s
        ? DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
        : "-";

    /// <summary>Runs <paramref name="action"/> for the chosen region or every served one; the worst exit code wins.</summary>
    private static Command ForEachRegion(
        Command command, Option<string?> region, Func<ParseResult, WebApplication, CellDatabase, CancellationToken, Task<int>> action,
        Func<ParseResult, Task>? after = null)
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (await CliRegions.SelectAsync(cells, result.GetValue(region)) is not { } regions)
            {
                return 2;
            }

            var exit = 0;
            foreach (var r in regions)
            {
                try
                {
                    exit = Math.Max(exit, await action(result, app, cells.Get(r), ct));
                }
                catch (Exception ex) when (DatabaseFailure.IsUnavailable(ex) || ex is System.Data.Common.DbException)
                {
                    await Console.Error.WriteLineAsync($"Region '{r.Code}': the database could not be used ({DatabaseFailure.ReasonOf(ex)}). Is it reachable and its schema up to date (start the server once)?");
                    return 1;
                }
            }

            if (after is not null)
            {
                await after(result);
            }

            return exit;
        });
        return command;
    }
}
