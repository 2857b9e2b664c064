using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Confide.Data;
using Confide.Platform;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide cells vacuum</c>: rewrites each SQLite cell's file, beside a running server. An
/// erasure's purge zeroes deleted rows and truncates the write-ahead log
/// (<see cref="DeletedDataScrub"/>), but a page SQLite rebalanced can keep a stale copy of a row in
/// its unused space; only a rewrite of the file reaches that (docs/security.md). The rewrite holds
/// the cell's write lock while it runs, so writes wait: run it in a quiet hour. PostgreSQL cells are
/// skipped: VACUUM there is the database's own maintenance (docs/operations.md).
/// </summary>
internal static class CellsCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var cells = new Command("cells", "Maintain the regional cell databases.");
        cells.Subcommands.Add(VacuumCommand());
        return cells;
    }

    private sealed record Vacuumed(string Region, string Provider, bool Done, long? BytesBefore, long? BytesAfter);

    private static Command VacuumCommand()
    {
        var region = new Option<string?>("--region") { Description = "Only this region (us, eu or au)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("vacuum", "Rewrite each SQLite cell's file so no trace of deleted rows stays in it (writes wait while it runs).") { region, json };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var registry = app.Services.GetRequiredService<CellRegistry>();
            if (await CliRegions.SelectAsync(registry, result.GetValue(region)) is not { } regions)
            {
                return 2;
            }

            var done = new List<Vacuumed>();
            foreach (var r in regions)
            {
                var cell = registry.Get(r);
                if (cell.Provider != DatabaseProvider.Sqlite)
                {
                    done.Add(new Vacuumed(r.Code, "postgres", false, null, null));
                    continue;
                }

                try
                {
                    done.Add(await VacuumAsync(cell, ct));
                }
                catch (SqliteException ex)
                {
                    await Console.Error.WriteLineAsync($"Region '{r.Code}': the rewrite failed ({DatabaseFailure.ReasonOf(ex)}); nothing was changed.");
                    return 1;
                }
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(done, SnakeCase));
                return 0;
            }

            foreach (var v in done)
            {
                await Console.Out.WriteLineAsync(v.Done
                    ? string.Create(CultureInfo.InvariantCulture, $"{v.Region}: rewritten, {v.BytesBefore / 1048576.0:0.0} MB before, {v.BytesAfter / 1048576.0:0.0} MB after")
                    : $"{v.Region}: PostgreSQL, skipped (its VACUUM is the database's own maintenance)");
            }

            return 0;
        });
        return command;
    }

    private static async Task<Vacuumed> VacuumAsync(CellDatabase cell, CancellationToken ct)
    {
        var (before, after, _) = await SqliteCellVacuum.RunAsync(cell, NullLogger.Instance, ct);
        return new Vacuumed(cell.Region.Code, "sqlite", true, before, after);
    }
}
