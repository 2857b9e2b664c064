using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Crypto;
using Confide.Data;
using Confide.Messaging;
using Confide.Platform;

namespace Confide.Server.Cli;

/// <summary>
/// <c>confide keys rotate --region eu --workspace … [--contact … | --all-contacts]</c>: the
/// workspace's data key (its contact keys re-wrapped), or contact keys (their data re-encrypted).
/// </summary>
internal static class DataKeyRotationCommand
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<int> RunAsync(
        IServiceProvider services, CellDatabase cell, string workspaceId, string? contactId, bool allContacts, TimeSpan grace, bool asJson,
        KeysRotateCommand.ProgressBar bar, CancellationToken ct)
    {
        if (!PublicIds.TryGetWorkspaceRegion(workspaceId, out var workspaceRegion) || workspaceRegion != cell.Region)
        {
            await Console.Error.WriteLineAsync($"'{workspaceId}' is not a workspace id of region '{cell.Region}'.");
            return 2;
        }

        if (contactId is not null && allContacts)
        {
            await Console.Error.WriteLineAsync("Use either --contact or --all-contacts.");
            return 2;
        }

        try
        {
            await ConfideHost.PrepareCellAsync(services, cell, ct);
            var time = services.GetRequiredService<TimeProvider>();
            object summary;
            if (contactId is null && !allContacts)
            {
                var rotation = new WorkspaceDataKeyRotation(services.GetRequiredService<WorkspaceKeyRing>(), services.GetRequiredService<ContactKeyRing>(), time) { GracePeriod = Max(grace, WorkspaceKeyRing.CurrentVersionFreshness * 2) };
                bar.Label += ": re-wrapping contact keys";
                var done = await rotation.RunAsync(cell, workspaceId, new Reported<WorkspaceDataKeyRotation.Progress>(p => bar.Report(new(p.Done, p.Total))), ct);
                bar.Finish();
                await CommandLineActivity.RecordAsync(services, cell, [workspaceId], ActivityTypes.WorkspaceKeyRotation,
                    "The workspace's data key was rotated: its contact keys were re-wrapped under the new version.", null,
                    new JsonObject
                    {
                        ["purpose"] = "data",
                        ["before"] = new JsonObject { ["key_ids"] = CommandLineActivity.Ids(done.OldKeyIds) },
                        ["after"] = new JsonObject { ["key_id"] = done.NewKeyId.ToString() },
                        ["contact_keys_rewrapped"] = done.Rewrapped,
                        ["resumed"] = done.Resumed,
                    }, ct);
                summary = done;
                if (!asJson)
                {
                    await Console.Out.WriteLineAsync(done.Resumed ? $"{workspaceId}: finished an interrupted data key rotation." : $"{workspaceId}: data key rotated.");
                    await Console.Out.WriteLineAsync($"    old version(s):       {string.Join(", ", done.OldKeyIds)}");
                    await Console.Out.WriteLineAsync($"    new version:          {done.NewKeyId}");
                    await Console.Out.WriteLineAsync($"    contact keys re-wrapped: {done.Rewrapped}");
                }
            }
            else
            {
                var rotation = new ContactKeyRotation(services.GetRequiredService<ContactKeyRing>(), time) { GracePeriod = Max(grace, ContactKeyRing.VersionFreshness * 2) };
                bar.Label += ": re-encrypting contacts";
                var done = await rotation.RunAsync(cell, workspaceId, contactId, new Reported<ContactKeyRotation.Progress>(p => bar.Report(new(p.ContactsDone, p.ContactsTotal))), ct);
                bar.Finish();
                await CommandLineActivity.RecordAsync(services, cell, [workspaceId], ActivityTypes.ContactKeyRotation,
                    contactId is null ? "Every contact key of the workspace was rotated and the contacts' data re-encrypted." : "A contact's key was rotated and its data re-encrypted.",
                    contactId is null ? null : new ActivityTarget("contact", contactId),
                    new JsonObject { ["contacts"] = done.Contacts, ["values_reencrypted"] = done.ValuesResealed, ["old_versions_destroyed"] = done.VersionsDestroyed }, ct);
                summary = done;
                if (!asJson)
                {
                    await Console.Out.WriteLineAsync($"{workspaceId}: {done.Contacts} contact key(s) rotated{(done.Resumed > 0 ? $" ({done.Resumed} interrupted rotation(s) finished)" : "")}.");
                    await Console.Out.WriteLineAsync($"    values re-encrypted:  {done.ValuesResealed}");
                    await Console.Out.WriteLineAsync($"    old versions destroyed: {done.VersionsDestroyed}");
                }
            }

            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(summary, summary.GetType(), SnakeCase));
            }

            return 0;
        }
        catch (Exception ex) when (ex is MasterKeyUnavailableException or CryptoIntegrityException or InvalidOperationException or ContactErasedException)
        {
            bar.Finish();
            await Console.Error.WriteLineAsync($"Rotation stopped: {ex.Message}");
            await Console.Error.WriteLineAsync("Nothing is lost: values not yet moved stay readable under their old key version. Fix the cause and run the command again to continue.");
            return 1;
        }
    }

    // Servers only see a new version within the key rings' freshness window; never wait less.
    private static TimeSpan Max(TimeSpan requested, TimeSpan floor) => requested > floor ? requested : floor;

    /// <summary>Reports on the calling thread, in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class Reported<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
