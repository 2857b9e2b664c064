using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Audit;
using Confide.Data.Jobs;
using Confide.Data.Model;
using Confide.Messaging.Live;
using Confide.Platform;
using Microsoft.EntityFrameworkCore;

namespace Confide.Messaging.Conversations;

/// <summary>
/// <c>conversations.unsnooze</c>: reopens a snoozed conversation when its snooze ends. Queued,
/// delayed until <c>snoozed_until</c>, in the same write as the snooze, so it survives restarts
/// like every durable job (docs/jobs.md). Its one step is a conditional write: the conversation
/// reopens only if it is still snoozed and its snooze ends no later than the one that queued this
/// job. A conversation opened, closed, answered by its contact, erased or snoozed again for longer
/// in the meantime is left alone (the later snooze has its own job). The condition, checked inside
/// the cell's single writer (serialised across processes on PostgreSQL), makes the step safe to
/// repeat: a job run twice, or by two processes after a lease takeover, reopens once.
/// </summary>
internal sealed class ConversationUnsnoozeJob(ActivityLog log, ConversationSignals signals, TimeProvider time) : IJobHandler
{
    public const string JobKind = "conversations.unsnooze";

    public string Kind => JobKind;

    /// <summary>The job of one snooze (its part names it for ever): ids and a time only.</summary>
    public static JobRequest Request(string workspaceId, string conversationId, string snoozePartId, DateTimeOffset until) =>
        new(JobKind, workspaceId,
            Payload: new JsonObject { ["conversation"] = conversationId, ["part"] = snoozePartId, ["until"] = until.ToUnixTimeSeconds() }.ToJsonString(),
            DeduplicationKey: $"unsnooze:{snoozePartId}",
            NotBefore: until);

    public async Task<JobStepResult> RunStepAsync(JobContext context, CancellationToken cancellationToken)
    {
        string conversationId;
        DateTimeOffset until;
        using (var payload = JsonDocument.Parse(context.Payload ?? "{}"))
        {
            if (context.WorkspaceId is null
                || !payload.RootElement.TryGetProperty("conversation", out var id) || id.GetString() is not { } conversation
                || !payload.RootElement.TryGetProperty("until", out var end) || !end.TryGetInt64(out var seconds))
            {
                return JobStepResult.Failed("unsnooze.payload_invalid");
            }

            conversationId = conversation;
            until = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        var workspaceId = context.WorkspaceId;
        var contactId = await context.Cell.Writer.WriteAsync(
            async (db, ct) =>
            {
                var conversation = await db.Conversations.AsTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == conversationId, ct);
                if (conversation is not { State: ConversationStates.Snoozed, SnoozedUntil: { } snoozedUntil } || snoozedUntil > until)
                {
                    return (string?)null;
                }

                var now = time.GetUtcNow();
                conversation.State = ConversationStates.Open;
                conversation.SnoozedUntil = null;
                conversation.PartCount++;
                conversation.UpdatedAt = now;
                var part = new ConversationPart
                {
                    Id = PublicIds.NewEntityId(time),
                    WorkspaceId = workspaceId,
                    ConversationId = conversation.Id,
                    Sequence = conversation.PartCount,
                    PartType = PartTypes.TimerUnsnooze,
                    AuthorType = RetentionTombstones.AuthorType,
                    AuthorId = RetentionTombstones.AuthorId,
                    CreatedAt = now,
                };
                db.ConversationParts.Add(part);
                await log.AppendAsync(db, context.Cell, workspaceId, new ActivityEvent(
                    ActivityTypes.ConversationSnoozeEnded, ActivityActor.Confide, "A snoozed conversation reopened when its snooze ended.",
                    new ActivityTarget("conversation", conversation.Id),
                    new JsonObject { ["contact_id"] = conversation.ContactId, ["part_id"] = part.Id, ["snoozed_until"] = snoozedUntil.ToUnixTimeSeconds() }), ct);
                return conversation.ContactId;
            },
            cancellationToken);
        if (contactId is not null)
        {
            signals.Publish(new ConversationChanged(workspaceId, conversationId, contactId));
        }

        return JobStepResult.Completed(1);
    }
}
