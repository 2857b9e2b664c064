using Confide.Audit;
using Confide.Data;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Privacy.Erasure;
using Confide.Data.Jobs;
using Confide.Privacy.Exports;
using Confide.Privacy.Exports.Content;
using Confide.Privacy.LegalHolds;
using Confide.Privacy.Requests;
using Confide.Privacy.Retention;
using Confide.Privacy.Retention.Housekeeping;
using Confide.Privacy.Retention.Rules;
using Confide.Privacy.Retention.Workspaces;
using Confide.Privacy.Workspaces;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Privacy;

/// <summary>
/// Privacy operations: data-subject requests with their legal deadlines (docs/privacy-operations.md).
/// Access/portability exports of a subject (Exports/) and Intercom's data export (Exports/Content); erasure receipts, an erasure request's erasure and bulk erasure (Erasure/).
/// </summary>
public static class PrivacyModule
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<PrivacyRequestSubjects>();
        services.AddSingleton<PrivacyRequestCommands>();
        services.AddSingleton<PrivacyRequestQueries>();
        services.AddSingleton<IContactErasureCompletion, ErasureReceipts>();
        services.AddSingleton<SubjectExportData>();
        services.AddSingleton<ISubjectDataHandler>(sp => sp.GetRequiredService<SubjectExportData>());
        services.AddSingleton<IContactErasureCompletion>(sp => sp.GetRequiredService<SubjectExportData>());
        services.AddSubjectDataHandler<PrivacyRequestSubjectData>();
        services.AddSingleton<UserDeleteRequests>();
        // Public for the web app's pages, built on the internal erasure path: constructed here.
        services.AddSingleton(sp => new PrivacyRequestErasure(sp.GetRequiredService<ContactErasure>()));
        services.AddSingleton(sp => new ContactBulkErasure(sp.GetRequiredService<ContactErasure>(), sp.GetRequiredService<ILookupIndex>(), sp.GetRequiredService<Confide.Messaging.Search.EncryptedSearch>(), sp.GetRequiredService<ActivityLog>(), sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<SubjectExportOptions>()
            .BindConfiguration(SubjectExportOptions.Section)
            .Validate(o => o.Retention > TimeSpan.Zero, "Confide:Privacy:Export:Retention must be positive.")
            .Validate(o => o.LinkLifetime > TimeSpan.Zero && o.LinkLifetime <= TimeSpan.FromDays(1), "Confide:Privacy:Export:LinkLifetime must be positive and at most a day.")
            .Validate(o => o.PartsPerStep is >= 1 and <= 100_000, "Confide:Privacy:Export:PartsPerStep must be between 1 and 100000.")
            .Validate(o => o.ActivityEntriesPerStep is >= 1 and <= 100_000, "Confide:Privacy:Export:ActivityEntriesPerStep must be between 1 and 100000.")
            .Validate(o => o.ContentRowsPerStep is >= 1 and <= 100_000, "Confide:Privacy:Export:ContentRowsPerStep must be between 1 and 100000.")
            .ValidateOnStart();
        services.AddSingleton<SubjectExportFiles>();
        services.AddSingleton<SubjectExportReader>();
        services.AddSingleton<SubjectExportCommands>();
        services.AddJobHandler<SubjectExportJob>();
        services.AddJobHandler<SubjectExportExpiryJob>();
        // Intercom's data export of outbound messages (Exports/Content), in the subject exports' files and expiry.
        services.AddSingleton<ContentExportReader>();
        services.AddSingleton<ContentExportCommands>();
        services.AddJobHandler<ContentExportJob>();
        services.AddSingleton<ContentExportData>();
        services.AddSingleton<ISubjectDataHandler>(sp => sp.GetRequiredService<ContentExportData>());
        services.AddSingleton<IContactErasureCompletion>(sp => sp.GetRequiredService<ContentExportData>());
        services.AddOptions<WorkspaceDeletionOptions>()
            .BindConfiguration(WorkspaceDeletionOptions.Section)
            .Validate(o => o.RowsPerStep is >= 1 and <= 10_000, "Confide:Privacy:WorkspaceDeletion:RowsPerStep must be between 1 and 10000.")
            .ValidateOnStart();
        services.AddSingleton<WorkspaceDeletionMail>();
        services.AddSingleton<WorkspaceDeletionCommands>();
        services.AddJobHandler<WorkspaceDeletionJob>();
        // Retention: the engine (policy, dry run, sweep, pause, run records).
        services.AddRetentionEngine();
        // Retention: the inactive-workspace rule and the region's housekeeping.
        services.AddSingleton<WorkspaceInactivityMail>();
        services.AddRetentionRule<WorkspaceRetentionRule>();
        services.AddRetentionHousekeeping<FinishedJobsHousekeeping>();
        services.AddRetentionHousekeeping<ExpiredSessionsHousekeeping>();
        services.AddRetentionHousekeeping<ExpiredInvitationsHousekeeping>();
        services.AddRetentionHousekeeping<ExpiredSsoAssertionsHousekeeping>();
        services.AddRetentionHousekeeping<ExpiredIdempotencyKeysHousekeeping>();
        // Retention, legal holds (docs/legal-holds.md).
        services.AddSingleton<LegalHoldCommands>();
        services.AddSingleton<LegalHoldReader>();
        // Retention: the contact and conversation rules (docs/retention.md, ADR 0014).
        services.AddSingleton<RetentionErasure>();
        services.AddRetentionRule<VisitorRetentionRule>();
        services.AddRetentionRule<LeadRetentionRule>();
        services.AddRetentionRule<ClosedConversationRetentionRule>();
        services.AddRetentionRule<ConversationPartRetentionRule>();
        services.AddRetentionRule<NoteRetentionRule>();
        return services;
    }

    /// <summary>Maps Confide's privacy API into <paramref name="api"/>, the group behind an API token.</summary>
    public static void MapPrivacyApi(this IEndpointRouteBuilder api)
    {
        api.MapPrivacyRequestEndpoints();
        api.MapErasureEndpoints();
        api.MapSubjectExportEndpoints();
        api.MapContentExportEndpoints();
        api.MapWorkspaceDeletionEndpoints();
        api.MapRetentionPolicyEndpoints();
        api.MapLegalHoldEndpoints();
    }
}
