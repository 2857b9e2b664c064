using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Confide.Crypto;
using Confide.Crypto.Backups;
using Confide.Data;
using Confide.Data.Backups;
using Confide.Platform;
using Confide.Server.Backups;
using Microsoft.Extensions.Options;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide backup</c> and <c>confide restore-drill</c> (docs/operations.md, "Backups"): sealed
/// per-region backups of the cell and of the contact key store, kept apart, and a drill that
/// restores a pair into scratch databases and checks it. Both run beside a running server.
/// </summary>
internal static class BackupCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command CreateBackup()
    {
        var region = new Option<string?>("--region") { Description = "Only this region (us, eu or au); by default every served region." };
        var output = new Option<string>("--out") { Description = "Directory for the cell backups.", Required = true };
        var keysOutput = new Option<string>("--keys-out") { Description = "Directory for the key-store backups: another one, kept on the erasure schedule.", Required = true };
        var keepKeysDays = new Option<int>("--keep-keys-days")
        {
            Description = $"Delete this region's key-store backups older than this many days (default {RegionBackup.DefaultKeepKeysDays}): the longest an erased contact stays restorable.",
            DefaultValueFactory = _ => RegionBackup.DefaultKeepKeysDays,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("backup", "Back up each region's cell database and contact key store, sealed under the region's master key, into separate directories.")
        {
            region, output, keysOutput, keepKeysDays, json,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var cellsDirectory = Path.GetFullPath(result.GetValue(output)!);
            var keysDirectory = Path.GetFullPath(result.GetValue(keysOutput)!);
            if (string.Equals(cellsDirectory.TrimEnd('/'), keysDirectory.TrimEnd('/'), StringComparison.Ordinal))
            {
                await Console.Error.WriteLineAsync("--out and --keys-out must be different directories: key-store backups are deleted on the erasure schedule, cell backups are not (ADR 0019).");
                return 2;
            }

            if (result.GetValue(keepKeysDays) is var days and (< 1 or > 3650))
            {
                await Console.Error.WriteLineAsync($"--keep-keys-days must be between 1 and 3650 (got {days}).");
                return 2;
            }

            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            if (await CliRegions.SelectAsync(app.Services.GetRequiredService<CellRegistry>(), result.GetValue(region)) is not { } regions)
            {
                return 2;
            }

            var backup = new RegionBackup(app.Services.GetRequiredService<IOptions<ConfideOptions>>().Value, TimeProvider.System);
            var results = new List<RegionBackup.Result>();
            foreach (var r in regions)
            {
                try
                {
                    results.Add(await backup.RunAsync(r, cellsDirectory, keysDirectory, result.GetValue(keepKeysDays), ct));
                }
                catch (Exception ex) when (IsOperatorError(ex))
                {
                    await Console.Error.WriteLineAsync($"Region '{r.Code}': the backup failed; nothing was kept. {Reason(ex)}");
                    return 1;
                }
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(results, SnakeCase));
                return 0;
            }

            foreach (var done in results)
            {
                await Console.Out.WriteLineAsync($"{done.Region}: backup {done.BackupId}");
                foreach (var file in done.Files)
                {
                    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"    {file.Kind} ({file.Provider}): {file.Path}, {file.Bytes / 1048576.0:0.0} MB, {string.Join(", ", file.Counts.Select(c => $"{c.Key} {c.Value}"))}"));
                }

                foreach (var pruned in done.PrunedKeyBackups)
                {
                    await Console.Out.WriteLineAsync($"    deleted key-store backup past its window: {pruned}");
                }
            }

            return 0;
        });
        return command;
    }

    public static Command CreateRestoreDrill()
    {
        var region = new Option<string?>("--region") { Description = "Only this region (us, eu or au); by default every served region." };
        var from = new Option<string>("--from") { Description = "Directory of the cell backups.", Required = true };
        var keysFrom = new Option<string>("--keys-from") { Description = "Directory of the key-store backups.", Required = true };
        var backupId = new Option<string?>("--backup-id") { Description = "The backup to drill; by default the newest of the region's cell backups." };
        var keep = new Option<bool>("--keep") { Description = "Keep the scratch databases and directory for inspection (their location is printed)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command(
            "restore-drill",
            "Restore a backup pair into scratch databases; check its counts, that every contact decrypts, and that contacts erased since the backup stay unreadable.")
        {
            region, from, keysFrom, backupId, keep, json,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var configuration = result.UnmatchedTokens.ToArray();
            await using var app = ConfideHost.CreateBuilder(configuration).Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (await CliRegions.SelectAsync(cells, result.GetValue(region)) is not { } regions)
            {
                return 2;
            }

            var options = app.Services.GetRequiredService<IOptions<ConfideOptions>>().Value;
            var reports = new List<RestoreDrill.Report>();
            foreach (var r in regions)
            {
                var cellBackups = await BackupFiles.ListAsync(Path.GetFullPath(result.GetValue(from)!), r.Code, BackupManifest.CellKind, ct);
                var cellBackup = result.GetValue(backupId) is { } id ? cellBackups.FirstOrDefault(b => b.Manifest.BackupId == id) : cellBackups.Count > 0 ? cellBackups[0] : null;
                if (cellBackup is null)
                {
                    await Console.Error.WriteLineAsync($"Region '{r.Code}': no cell backup{(result.GetValue(backupId) is { } wanted ? $" with id {wanted}" : "")} in {result.GetValue(from)}.");
                    return 1;
                }

                var keysBackup = (await BackupFiles.ListAsync(Path.GetFullPath(result.GetValue(keysFrom)!), r.Code, BackupManifest.KeysKind, ct))
                    .FirstOrDefault(b => b.Manifest.BackupId == cellBackup.Manifest.BackupId);
                if (keysBackup is null)
                {
                    await Console.Error.WriteLineAsync(
                        $"Region '{r.Code}': no key-store backup {cellBackup.Manifest.BackupId} in {result.GetValue(keysFrom)} (deleted past its window? its cell backup cannot be restored without it).");
                    return 1;
                }

                try
                {
                    reports.Add(await new RestoreDrill(configuration, options, cells.Get(r)).RunAsync(cellBackup, keysBackup, result.GetValue(keep), ct));
                }
                catch (Exception ex) when (IsOperatorError(ex))
                {
                    await Console.Error.WriteLineAsync($"Region '{r.Code}': the restore drill of backup {cellBackup.Manifest.BackupId} failed. {Reason(ex)}");
                    return 1;
                }
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(reports, SnakeCase));
            }
            else
            {
                foreach (var report in reports)
                {
                    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{report.Region}: backup {report.BackupId} ({report.BackupCreatedAt:u}) {(report.Passed ? "PASSED" : "FAILED")} in {report.Seconds} s: " +
                        $"{report.ContactsReadable} of {report.Contacts} contacts readable, {report.PartsDecrypted} parts and {report.NotesDecrypted} notes decrypted, " +
                        $"{report.ErasedSinceBackup} erased since the backup and {report.ErasedStillReadable} of them readable"));
                    foreach (var problem in report.Problems)
                    {
                        await Console.Out.WriteLineAsync($"    {problem}");
                    }

                    if (report.KeptAt is { } kept)
                    {
                        await Console.Out.WriteLineAsync($"    scratch kept: {kept}");
                    }
                }
            }

            return reports.All(r => r.Passed) ? 0 : 1;
        });
        return command;
    }

    private static bool IsOperatorError(Exception ex) =>
        ex is BackupIntegrityException or BackupToolException or MasterKeyUnavailableException or FileNotFoundException
            or IOException or UnauthorizedAccessException or InvalidOperationException or System.Data.Common.DbException
            || DatabaseFailure.IsUnavailable(ex);

    private static string Reason(Exception ex) =>
        ex is System.Data.Common.DbException || DatabaseFailure.IsUnavailable(ex) ? DatabaseFailure.ReasonOf(ex) : ex.Message;
}
