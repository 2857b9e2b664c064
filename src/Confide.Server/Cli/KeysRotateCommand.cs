using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide keys rotate --region eu</c>: a new master key version for the region, every stored
/// key re-wrapped under it, the old versions retired. Safe while servers run (see docs/encryption.md).
/// </summary>
internal static class KeysRotateCommand
{
    /// <summary>Second line of defence after the fence (docs/encryption.md): a short wait, then one more scan.</summary>
    private static readonly TimeSpan DefaultMasterKeyGrace = TimeSpan.FromSeconds(3);

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Summary(string Region, IReadOnlyList<Guid> OldKeyIds, Guid NewKeyId, bool Resumed, int Rewrapped, IReadOnlyList<Guid> Retired, string MasterKeySource);

    public static Command Create()
    {
        var region = new Option<string>("--region") { Description = "The region whose master key to rotate (us, eu or au).", Required = true };
        var workspace = new Option<string?>("--workspace") { Description = "Rotate this workspace's data key instead of the master key (re-wraps its contact keys)." };
        var contact = new Option<string?>("--contact") { Description = "With --workspace: rotate this contact's key (re-encrypts the contact's data)." };
        var allContacts = new Option<bool>("--all-contacts") { Description = "With --workspace: rotate every contact key of the workspace (re-encrypts all of its contacts' data)." };
        var grace = new Option<double?>("--grace-seconds")
        {
            Description = $"How long to wait for servers that wrapped a key under the old version just before they saw the new one (master key: {DefaultMasterKeyGrace.TotalSeconds:0} s; data keys: at least their cache freshness).",
        };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON (progress goes to standard error)." };
        var command = new Command("rotate", "Rotate a region's master key (add a new version, re-wrap every stored key under it, retire the old versions), or with --workspace a workspace's data key or contact keys. Servers keep serving meanwhile; an interrupted rotation continues when run again.")
        {
            region, workspace, contact, allContacts, grace, json,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var requestedGrace = result.GetValue(grace) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            if (result.GetValue(grace) is < 0 or > 600)
            {
                await Console.Error.WriteLineAsync("--grace-seconds must be between 0 and 600.");
                return 2;
            }

            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            if (!Region.TryParse(result.GetValue(region), out var target) || !cells.Serves(target))
            {
                await Console.Error.WriteLineAsync($"Unknown or unserved region '{result.GetValue(region)}'. Use one of: {string.Join(", ", cells.Regions)}.");
                return 2;
            }

            var asJson = result.GetValue(json);
            var progressOutput = asJson ? Console.Error : Console.Out;
            var interactive = !(asJson ? Console.IsErrorRedirected : Console.IsOutputRedirected);
            if (result.GetValue(workspace) is { } workspaceId)
            {
                return await DataKeyRotationCommand.RunAsync(
                    app.Services, cells.Get(target), workspaceId, result.GetValue(contact), result.GetValue(allContacts),
                    requestedGrace ?? TimeSpan.Zero, asJson, new ProgressBar(progressOutput, interactive, $"{target}: {workspaceId}"), ct);
            }

            if (result.GetValue(contact) is not null || result.GetValue(allContacts))
            {
                await Console.Error.WriteLineAsync("--contact and --all-contacts need --workspace.");
                return 2;
            }

            MasterKeyRotation.Result rotated;
            try
            {
                var cell = cells.Get(target);
                await ConfideHost.PrepareCellAsync(app.Services, cell, ct);
                var rotation = new MasterKeyRotation(app.Services.GetRequiredService<MasterKeys>(), app.Services.GetRequiredService<TimeProvider>())
                {
                    GracePeriod = requestedGrace ?? DefaultMasterKeyGrace,
                };
                var bar = new ProgressBar(progressOutput, interactive, $"{target}: re-wrapping stored keys");
                rotated = await rotation.RunAsync(cell, bar, ct);
                bar.Finish();
                await CommandLineActivity.RecordAsync(app.Services, cell, null, ActivityTypes.MasterKeyRotation,
                    "The region's master key was rotated: every stored key was re-wrapped under the new version.", null,
                    new JsonObject
                    {
                        ["region"] = target.Code,
                        ["before"] = new JsonObject { ["master_key_ids"] = CommandLineActivity.Ids(rotated.OldKeyIds) },
                        ["after"] = new JsonObject { ["master_key_id"] = rotated.NewKeyId.ToString() },
                        ["keys_rewrapped"] = rotated.Rewrapped,
                        ["resumed"] = rotated.Resumed,
                    }, ct);
            }
            catch (Exception ex) when (ex is MasterKeyUnavailableException or CryptoIntegrityException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"Rotation stopped: {ex.Message}");
                await Console.Error.WriteLineAsync("Nothing is lost: keys not yet re-wrapped stay under their old version. Fix the cause and run the command again to continue.");
                return 1;
            }

            var source = app.Services.GetRequiredService<MasterKeys>().For(target).Source;
            var summary = new Summary(target.Code, rotated.OldKeyIds, rotated.NewKeyId, rotated.Resumed, rotated.Rewrapped, rotated.Retired, source);
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(summary, SnakeCase));
                return 0;
            }

            await Console.Out.WriteLineAsync(rotated.Resumed ? $"{target}: finished an interrupted rotation." : $"{target}: master key rotated.");
            await Console.Out.WriteLineAsync($"    old version(s):   {Ids(rotated.OldKeyIds)}");
            await Console.Out.WriteLineAsync($"    new version:      {rotated.NewKeyId}");
            await Console.Out.WriteLineAsync($"    keys re-wrapped:  {rotated.Rewrapped}");
            await Console.Out.WriteLineAsync($"    versions retired: {Ids(rotated.Retired)}");
            await Console.Out.WriteLineAsync($"Back up the {source} now: older backups of it cannot read the re-wrapped keys.");
            return 0;
        });
        return command;
    }

    private static string Ids(IReadOnlyList<Guid> ids) => ids.Count == 0 ? "none" : string.Join(", ", ids);

    /// <summary>A redrawn bar on a terminal; one plain line per batch when the output goes to a file or pipe.</summary>
    internal sealed class ProgressBar(TextWriter output, bool interactive, string label) : IProgress<MasterKeyRotation.Progress>
    {
        private const int Width = 30;
        private bool _drawn;

        public string Label { get; set; } = label;

        public void Report(MasterKeyRotation.Progress value)
        {
            if (!interactive)
            {
                output.WriteLine($"{Label}: {value.Done}/{value.Total}");
                return;
            }

            var filled = value.Total == 0 ? Width : (int)((long)value.Done * Width / value.Total);
            var percent = value.Total == 0 ? 100 : (int)((long)value.Done * 100 / value.Total);
            output.Write($"\r{Label} [{new string('#', filled)}{new string('-', Width - filled)}] {percent,3}% {value.Done}/{value.Total}");
            _drawn = true;
        }

        public void Finish()
        {
            if (_drawn)
            {
                output.WriteLine();
            }
        }
    }
}
