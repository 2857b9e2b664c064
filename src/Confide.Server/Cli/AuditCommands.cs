using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide audit export</c> writes a workspace's verifiable activity-log export;
/// <c>confide audit verify</c> checks one with nothing but the file (and optionally the public
/// key to trust). Verification opens no database and needs no configuration.
/// </summary>
internal static class AuditCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var audit = new Command("audit", "Export and verify workspaces' tamper-evident activity logs.");
        audit.Subcommands.Add(ExportCommand());
        audit.Subcommands.Add(VerifyCommand());
        return audit;
    }

    private static Command ExportCommand()
    {
        var region = new Option<string>("--region") { Description = "The workspace's region (us, eu or au).", Required = true };
        var workspace = new Option<string>("--workspace") { Description = "The workspace id.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The file to write (JSON Lines).", Required = true };
        var command = new Command("export", "Write a workspace's whole activity log, its signed checkpoints and the region's public keys to a file that `confide audit verify` checks.") { region, workspace, output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            var workspaceId = result.GetValue(workspace)!;
            if (!Region.TryParse(result.GetValue(region), out var target) || !cells.Serves(target)
                || !PublicIds.TryGetWorkspaceRegion(workspaceId, out var workspaceRegion) || workspaceRegion != target)
            {
                await Console.Error.WriteLineAsync($"'{workspaceId}' is not a workspace id of a served region '{result.GetValue(region)}'.");
                return 2;
            }

            var cell = cells.Get(target);
            var path = result.GetValue(output)!.FullName;
            try
            {
                await ConfideHost.PrepareCellAsync(app.Services, cell, ct);
                await CommandLineActivity.RecordAsync(app.Services, cell, [workspaceId], ActivityTypes.ActivityLogExport, "The activity log was exported.", null, [], ct);
                await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                var summary = await app.Services.GetRequiredService<ActivityLogExporter>().WriteAsync(cell, workspaceId, file, ct);
                await Console.Out.WriteLineAsync($"Wrote {summary.Entries} entries and {summary.Checkpoints} signed checkpoints to {path}.");
                await Console.Out.WriteLineAsync($"Root hash: {Convert.ToHexStringLower(summary.RootHash)}");
                return 0;
            }
            catch (Exception ex) when (ex is MasterKeyUnavailableException or CryptoIntegrityException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"Export failed: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command VerifyCommand()
    {
        var file = new Argument<FileInfo>("export") { Description = "An export written by `confide audit export` or downloaded from the API or the web app." };
        var publicKeys = new Option<FileInfo[]>("--public-key")
        {
            Description = "A PEM public key to trust (the one the region publishes at /.well-known/confide/activity-log-keys); repeatable. Without it the keys in the export are trusted and their ids printed for you to compare.",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var command = new Command("verify", "Check an activity-log export: no entry edited, deleted, reordered or cut off, and every checkpoint signed by the region. Exits 0 only if it verifies.") { file, publicKeys, json };
        command.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"No such file: {path.FullName}");
                return 2;
            }

            List<byte[]>? trusted = null;
            foreach (var pem in result.GetValue(publicKeys) ?? [])
            {
                try
                {
                    using var key = ECDsa.Create();
                    key.ImportFromPem(await File.ReadAllTextAsync(pem.FullName, ct));
                    (trusted ??= []).Add(key.ExportSubjectPublicKeyInfo());
                }
                catch (Exception ex) when (ex is ArgumentException or CryptographicException or IOException)
                {
                    await Console.Error.WriteLineAsync($"{pem.Name} is not a readable PEM public key: {ex.Message}");
                    return 2;
                }
            }

            ActivityLogVerifier.Report report;
            await using (var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            {
                report = ActivityLogVerifier.Verify(stream, trusted);
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, SnakeCase));
            }
            else
            {
                await Console.Out.WriteLineAsync(report.Ok ? report.Message : $"FAILED: {report.Message}");
                await Console.Out.WriteLineAsync($"    workspace {report.WorkspaceId} in region {report.Region}; signing key(s) {string.Join(", ", report.KeyIds)}{(trusted is null ? " (taken from the export: compare with the published keys)" : " (pinned)")}");
            }

            return report.Ok ? 0 : 1;
        });
        return command;
    }
}
