using System.CommandLine;
using System.Text.Json;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Server.Cli;

/// <summary><c>confide keys status</c> and <c>rotate</c>: which master key versions each region holds and what they wrap. Never prints key material.</summary>
internal static class KeysCommands
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var keys = new Command("keys", "Inspect and rotate encryption keys.");
        keys.Subcommands.Add(StatusCommand());
        keys.Subcommands.Add(KeysRotateCommand.Create());
        keys.Subcommands.Add(MoveStoreCommand.Create());
        return keys;
    }

    private sealed record RegionKeyStatus(
        string Region,
        string MasterKeySource,
        Guid MasterKeyId,
        int WorkspaceKeys,
        IReadOnlyDictionary<string, int> WorkspaceKeysByPurpose,
        DateTimeOffset? OldestWorkspaceKey,
        DateTimeOffset? NewestWorkspaceKey,
        IReadOnlyList<MasterKeyVersionStatus> MasterKeyVersions,
        string ContactKeyStore,
        string ContactKeyStoreLocation,
        long ContactKeys,
        long MostUsedContactKeyUses,
        long ContactKeyUseLimit);

    /// <param name="Held">False for a version that stored keys name but the key source no longer holds (they cannot be read).</param>
    private sealed record MasterKeyVersionStatus(Guid KeyId, bool Current, bool Held, int WrappedKeys);

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
            if (await CliRegions.SelectAsync(cells, result.GetValue(region)) is not { } regions)
            {
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
                var stored = await db.WorkspaceKeys.Select(k => new { k.Purpose, k.CreatedAt, k.MasterKeyId }).ToListAsync(ct);
                var wrappedBy = stored.GroupBy(k => k.MasterKeyId).ToDictionary(g => g.Key, g => g.Count());
                var held = master.KeyIds;
                var versions = held
                    .Select(id => new MasterKeyVersionStatus(id, id == held[0], Held: true, wrappedBy.GetValueOrDefault(id)))
                    .Concat(wrappedBy.Keys.Except(held).Select(id => new MasterKeyVersionStatus(id, Current: false, Held: false, wrappedBy[id])))
                    .ToList();
                var keyStore = await app.Services.GetRequiredService<ContactKeyRing>().StoreAsync(r);
                var (contactKeys, mostUses) = await keyStore.CountAsync(ct);
                report.Add(new RegionKeyStatus(
                    r.Code,
                    master.Source,
                    held[0],
                    stored.Count,
                    stored.GroupBy(k => k.Purpose).ToDictionary(g => g.Key, g => g.Count()),
                    stored.Count == 0 ? null : stored.Min(k => k.CreatedAt),
                    stored.Count == 0 ? null : stored.Max(k => k.CreatedAt),
                    versions,
                    keyStore.Backend,
                    keyStore.Location,
                    contactKeys,
                    mostUses,
                    DataKey.MaxEncryptions));
            }

            if (result.GetValue(json))
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, SnakeCase));
                return 0;
            }

            foreach (var status in report)
            {
                await Console.Out.WriteLineAsync($"{status.Region}: master key {status.MasterKeyId} ({status.MasterKeySource})");
                foreach (var version in status.MasterKeyVersions)
                {
                    var state = version.Current ? "current" : version.Held ? "older, still held" : "NOT HELD";
                    await Console.Out.WriteLineAsync($"    version {version.KeyId}: {state}, wraps {version.WrappedKeys} stored key(s)");
                }

                await Console.Out.WriteLineAsync($"    wrapped workspace keys: {status.WorkspaceKeys} ({string.Join(", ", status.WorkspaceKeysByPurpose.Select(p => $"{p.Key} {p.Value}"))})");
                if (status.OldestWorkspaceKey is { } oldest)
                {
                    await Console.Out.WriteLineAsync($"    oldest {oldest:u}, newest {status.NewestWorkspaceKey:u}");
                }

                await Console.Out.WriteLineAsync($"    contact key store: {status.ContactKeyStore} ({status.ContactKeyStoreLocation})");
                await Console.Out.WriteLineAsync($"    contact keys: {status.ContactKeys}; most uses reserved by one: {status.MostUsedContactKeyUses} of {status.ContactKeyUseLimit}");
            }

            return 0;
        });
        return command;
    }
}
