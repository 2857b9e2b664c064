using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Workspaces;

/// <summary>
/// The tables a workspace deletion purges, in order: children before the rows they point to,
/// so each batch deletes only its own table's rows (no cascade fans out inside a step), and the
/// activity log newest entry first, so what is left of it is always a whole prefix. A test checks
/// that every table with a workspace id is here or deliberately kept (<see cref="Kept"/>).
/// Contacts and conversations of an erasure in progress are hidden by the model's filter; the
/// purge takes them too.
/// </summary>
public static class WorkspacePurge
{
    /// <summary>One table: its name in the receipt, and how to count and delete a batch of the workspace's rows.</summary>
    public abstract class Table(string name)
    {
        public string Name { get; } = name;

        public abstract Type EntityType { get; }

        public abstract Task<int> CountAsync(ConfideDbContext db, string workspaceId, string jobId, int limit, CancellationToken ct);

        public abstract Task DeleteAsync(ConfideDbContext db, string workspaceId, string jobId, int limit, CancellationToken ct);
    }

    private sealed class Table<T>(string name, Func<ConfideDbContext, string, string, IQueryable<T>> rows) : Table(name)
        where T : class
    {
        public override Type EntityType => typeof(T);

        public override Task<int> CountAsync(ConfideDbContext db, string workspaceId, string jobId, int limit, CancellationToken ct) =>
            rows(db, workspaceId, jobId).Take(limit).CountAsync(ct);

        public override Task DeleteAsync(ConfideDbContext db, string workspaceId, string jobId, int limit, CancellationToken ct) =>
            rows(db, workspaceId, jobId).Take(limit).ExecuteDeleteAsync(ct);
    }

    /// <summary>Tables with a workspace id whose rows outlive the workspace, and why (docs/privacy-operations.md).</summary>
    public static IReadOnlyDictionary<Type, string> Kept { get; } = new Dictionary<Type, string>
    {
        [typeof(Confide.Data.Model.WorkspaceDeletion)] = "the deletion record and its signed receipt, kept for ever",
        [typeof(Job)] = "the deletion's own job row (ids and counts only); the workspace's other jobs are purged",
    };

    public static IReadOnlyList<Table> Tables { get; } =
    [
        new Table<ConversationPart>("conversation_parts", (db, w, _) => db.ConversationParts.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<ConversationTag>("conversation_tags", (db, w, _) => db.ConversationTags.Where(r => r.WorkspaceId == w).OrderBy(r => r.ConversationId).ThenBy(r => r.TagId)),
        new Table<ConversationParticipant>("conversation_participants", (db, w, _) => db.ConversationParticipants.Where(r => r.WorkspaceId == w).OrderBy(r => r.ConversationId).ThenBy(r => r.ContactId)),
        new Table<Conversation>("conversations", (db, w, _) => db.Conversations.IgnoreQueryFilters().Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<Note>("notes", (db, w, _) => db.Notes.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<SearchToken>("search_tokens", (db, w, _) => db.SearchTokens.Where(r => r.WorkspaceId == w).OrderBy(r => r.Kind).ThenBy(r => r.Token).ThenBy(r => r.OwnerId)),
        new Table<DataEvent>("data_events", (db, w, _) => db.DataEvents.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<ContactSubscriptionChange>("contact_subscription_changes", (db, w, _) => db.ContactSubscriptionChanges.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<ContactTag>("contact_tags", (db, w, _) => db.ContactTags.Where(r => r.WorkspaceId == w).OrderBy(r => r.ContactId).ThenBy(r => r.TagId)),
        new Table<ContactCompany>("contact_companies", (db, w, _) => db.ContactCompanies.Where(r => r.WorkspaceId == w).OrderBy(r => r.ContactId).ThenBy(r => r.CompanyId)),
        new Table<CompanyTag>("company_tags", (db, w, _) => db.CompanyTags.Where(r => r.WorkspaceId == w).OrderBy(r => r.CompanyId).ThenBy(r => r.TagId)),
        new Table<Company>("companies", (db, w, _) => db.Companies.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<PendingContactErasure>("pending_contact_erasures", (db, w, _) => db.PendingContactErasures.Where(r => r.WorkspaceId == w).OrderBy(r => r.ContactId)),
        new Table<ErasureReceipt>("erasure_receipts", (db, w, _) => db.ErasureReceipts.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<PrivacyRequest>("privacy_requests", (db, w, _) => db.PrivacyRequests.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<Contact>("contacts", (db, w, _) => db.Contacts.IgnoreQueryFilters().Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<Tag>("tags", (db, w, _) => db.Tags.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<DataAttribute>("data_attributes", (db, w, _) => db.DataAttributes.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<SubscriptionType>("subscription_types", (db, w, _) => db.SubscriptionTypes.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<Segment>("segments", (db, w, _) => db.Segments.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<TeamMember>("team_members", (db, w, _) => db.TeamMembers.Where(r => r.WorkspaceId == w).OrderBy(r => r.TeamId).ThenBy(r => r.TeammateId)),
        new Table<Team>("teams", (db, w, _) => db.Teams.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<IdempotencyKey>("idempotency_keys", (db, w, _) => db.IdempotencyKeys.Where(r => r.WorkspaceId == w).OrderBy(r => r.TokenId).ThenBy(r => r.KeyHash)),
        new Table<ApiToken>("api_tokens", (db, w, _) => db.ApiTokens.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<TeammateInvitation>("teammate_invitations", (db, w, _) => db.TeammateInvitations.Where(r => r.WorkspaceId == w).OrderBy(r => r.TeammateId)),
        new Table<Teammate>("teammates", (db, w, _) => db.Teammates.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<WorkspaceRole>("workspace_roles", (db, w, _) => db.WorkspaceRoles.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<SsoConsumedAssertion>("sso_consumed_assertions", (db, w, _) => db.SsoConsumedAssertions.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<SsoConnection>("sso_connections", (db, w, _) => db.SsoConnections.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<MessengerSecret>("messenger_secrets", (db, w, _) => db.MessengerSecrets.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
        new Table<MessengerSettings>("messenger_settings", (db, w, _) => db.MessengerSettings.Where(r => r.WorkspaceId == w).OrderBy(r => r.WorkspaceId)),
        new Table<RetentionRuleSetting>("retention_rule_settings", (db, w, _) => db.RetentionRuleSettings.Where(r => r.WorkspaceId == w).OrderBy(r => r.Subject)),
        new Table<RetentionWorkspaceRun>("retention_workspace_runs", (db, w, _) => db.RetentionWorkspaceRuns.Where(r => r.WorkspaceId == w).OrderBy(r => r.RunId)),
        new Table<Job>("jobs", (db, w, job) => db.Jobs.Where(r => r.WorkspaceId == w && r.Id != job).OrderBy(r => r.Id)),
        new Table<ActivityLogEntry>("activity_log_entries", (db, w, _) => db.ActivityLogEntries.Where(r => r.WorkspaceId == w).OrderByDescending(r => r.Sequence)),
        new Table<ActivityLogCheckpoint>("activity_log_checkpoints", (db, w, _) => db.ActivityLogCheckpoints.Where(r => r.WorkspaceId == w).OrderByDescending(r => r.TreeSize)),
        new Table<WorkspaceKey>("workspace_keys", (db, w, _) => db.WorkspaceKeys.Where(r => r.WorkspaceId == w).OrderBy(r => r.Id)),
    ];
}
