using System.Text.Json;
using System.Text.Json.Serialization;
using Confide.Crypto;
using Confide.Data;
using Confide.Data.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confide.Messaging.Contacts.Erasure;

/// <summary>
/// The purge that follows an acknowledged erasure (<see cref="ContactErasure"/>): it makes sure
/// the key is destroyed, counts what the subject has for the receipt, runs every
/// <see cref="ISubjectDataHandler"/> in bounded batches — one small transaction per step, so live
/// writes of the cell go in between — and finally deletes the contact row, logs the erasure and
/// completes it (receipt). A step repeated after a crash or a takeover is harmless: the counts are
/// in the checkpoint, each batch deletes by id, and only the final transaction logs.
/// </summary>
internal sealed class ContactErasureJob(
    ContactKeyRing keys, ILookupIndex lookup, ContactErasure erasure, IEnumerable<ISubjectDataHandler> handlers, IOptions<ContactErasureOptions> options, TimeProvider time,
    ILogger<ContactErasureJob> logger) : IJobHandler
{
    public const string JobKind = "contacts.erasure";

    private readonly IReadOnlyList<ISubjectDataHandler> _handlers = [.. handlers];

    public string Kind => JobKind;

    public static JobRequest Request(string workspaceId, string contactId) =>
        new(JobKind, workspaceId, JsonSerializer.Serialize(new ContactErasurePayload(contactId)), DeduplicationKey: contactId);

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        var cell = context.Cell;
        var workspaceId = context.WorkspaceId!;
        var contactId = JsonSerializer.Deserialize<ContactErasurePayload>(context.Payload!)!.Contact;
        if (context.Checkpoint is null)
        {
            // The acknowledgement destroyed the key already, unless the process died just before.
            await keys.ShredAsync(cell.Region, workspaceId, contactId, cancellationToken);
            var keyDestroyedAt = time.GetUtcNow();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var db = cell.CreateReadContext())
            {
                foreach (var handler in _handlers)
                {
                    await handler.CountAsync(db, workspaceId, contactId, counts, cancellationToken);
                }
            }

            var total = counts.Values.Sum();
            return JobStepResult.More(Serialize(new ContactErasureCheckpoint(0, keyDestroyedAt.ToUnixTimeMilliseconds(), counts)), 0, total);
        }

        var checkpoint = JsonSerializer.Deserialize<ContactErasureCheckpoint>(context.Checkpoint)!;
        for (var index = checkpoint.Handler; index < _handlers.Count; index++)
        {
            if (await _handlers[index].NextBatchAsync(cell, workspaceId, contactId, options.Value.PurgeBatchSize, cancellationToken) is { } batch)
            {
                return JobStepResult.More(Serialize(checkpoint with { Handler = index }), context.ProgressDone + batch.Count, context.ProgressTotal, batch.Write);
            }
        }

        // Everything of the subject is deleted now; the search tokens and hashes among it leave the files too.
        await DeletedDataScrub.RunAsync(cell, logger, cancellationToken);
        var reference = (await lookup.ForWorkspaceAsync(cell, workspaceId, cancellationToken)).ContactId(contactId);
        var finish = await erasure.PrepareFinishAsync(cell, cancellationToken);
        var erased = new ErasureFacts(workspaceId, contactId, reference, checkpoint.Counts, DateTimeOffset.FromUnixTimeMilliseconds(checkpoint.KeyDestroyedAt));
        return JobStepResult.Completed(context.ProgressTotal ?? context.ProgressDone, context.ProgressTotal, (db, ct) => finish(db, erased, ct));
    }

    private static string Serialize(ContactErasureCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint);
}

internal sealed record ContactErasurePayload([property: JsonPropertyName("contact")] string Contact);

/// <param name="Handler">The index of the handler the purge is at.</param>
/// <param name="KeyDestroyedAt">Unix milliseconds.</param>
/// <param name="Counts">What the subject had, per receipt category, counted before anything was deleted.</param>
internal sealed record ContactErasureCheckpoint(
    [property: JsonPropertyName("handler")] int Handler,
    [property: JsonPropertyName("key_destroyed_at")] long KeyDestroyedAt,
    [property: JsonPropertyName("counts")] Dictionary<string, long> Counts);

/// <summary>What the purge knows when it finishes: the subject, its keyed reference and what was erased.</summary>
internal sealed record ErasureFacts(string WorkspaceId, string ContactId, string SubjectReference, IReadOnlyDictionary<string, long> Counts, DateTimeOffset KeyDestroyedAt);
