using System.CommandLine;
using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Cli;

/// <summary><c>confide keys status</c>: which master key each region uses and what it wraps. Never prints key material.</summary>
internal static class KeysCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var keys = new Command("keys", "Inspect encryption keys.");
        keys.Subcommands.Add(StatusCommand());
        return keys;
    }

    private sealed record RegionKeyStatus(
        string Region,
        string MasterKeySource,
        Guid MasterKeyId,
        int WorkspaceKeys,
        IReadOnlyDictionary<string, int> WorkspaceKeysByPurpose,
        DateTimeOffset? OldestWorkspaceKey,
        DateTimeOffset? NewestWorkspaceKey);

    private static Command StatusCommand()
    {
        var region = new Option<string?>("--region") { Description = "Only this region (us, eu or au)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("status", "Master key source and id per region, and the wrapped keys it protects. Like a starting server, it first brings each region's schema and keys up to date.") { region, json };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var builder = ConfideHost.CreateBuilder(result.UnmatchedTokens.ToArray());
            await using var app = builder.Build();
            var cells = app.Services.GetRequiredService<CellRegistry>();
            var regions = result.GetValue(region) is { } code
                ? (Region.TryParse(code, out var only) && cells.Serves(only) ? [only] : null)
                : cells.Regions.ToList();
            if (regions is null)
            {
                await Console.Error.WriteLineAsync("Unknown or unserved region. Use one of: " + string.Join(", ", cells.Regions));
                return 2;
            }

            var report = new List<RegionKeyStatus>();
            foreach (var r in regions.OrderBy(r => r.Code, StringComparer.Ordinal))
            {
                var cell = cells.Get(r);
                try
                {
                    await ConfideHost.PrepareCellAsync(app.Services, cell, ct);
                }
                catch (MasterKeyUnavailableException ex)
                {
                    await Console.Error.WriteLineAsync(ex.Message);
                    return 1;
                }

                var master = app.Services.GetRequiredService<MasterKeys>().For(r);
                await using var db = cell.CreateReadContext();
                var stored = await db.WorkspaceKeys.Select(k => new { k.Purpose, k.CreatedAt }).ToListAsync(ct);
                report.Add(new RegionKeyStatus(
                    r.Code,
                    master.Source,
                    master.KeyId,
                    stored.Count,
                    stored.GroupBy(k => k.Purpose).ToDictionary(g => g.Key, g => g.Count()),
                    stored.Count == 0 ? null : stored.Min(k => k.CreatedAt),
                    stored.Count == 0 ? null : stored.Max(k => k.CreatedAt)));
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, SnakeCase));
                return 0;
            }

            foreach (var status in report)
            {
                await Console.Out.WriteLineAsync($"{status.Region}: master key {status.MasterKeyId} ({status.MasterKeySource})");
                await Console.Out.WriteLineAsync($"    wrapped workspace keys: {status.WorkspaceKeys} ({string.Join(", ", status.WorkspaceKeysByPurpose.Select(p => $"{p.Key} {p.Value}"))})");
                if (status.OldestWorkspaceKey is { } oldest)
                {
                    await Console.Out.WriteLineAsync($"    oldest {oldest:u}, newest {status.NewestWorkspaceKey:u}");
                }
            }

            return 0;
        });
        return command;
    }
}
