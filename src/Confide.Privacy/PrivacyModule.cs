using Confide.Messaging.Contacts;
using Confide.Privacy.Erasure;
using Confide.Data.Jobs;
using Confide.Privacy.Exports;
using Confide.Privacy.Requests;
using Confide.Privacy.Workspaces;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Privacy;

/// <summary>
/// Privacy operations: data-subject requests with their legal deadlines (docs/privacy-operations.md).
/// Access/portability exports of a subject (Exports/). The one erasure path and its receipts belong here too as they are built.
/// </summary>
public static class PrivacyModule
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<PrivacyRequestSubjects>();
        services.AddSingleton<PrivacyRequestCommands>();
        services.AddSingleton<PrivacyRequestQueries>();
        services.AddSingleton<IContactErasureCompletion, ErasureReceipts>();
        services.AddSingleton<IContactErasureCompletion, SubjectExportErasure>();
        services.AddSingleton<UserDeleteRequests>();
        services.AddOptions<SubjectExportOptions>()
            .BindConfiguration(SubjectExportOptions.Section)
            .Validate(o => o.Retention > TimeSpan.Zero, "Confide:Privacy:Export:Retention must be positive.")
            .Validate(o => o.LinkLifetime > TimeSpan.Zero && o.LinkLifetime <= TimeSpan.FromDays(1), "Confide:Privacy:Export:LinkLifetime must be positive and at most a day.")
            .Validate(o => o.PartsPerStep is >= 1 and <= 100_000, "Confide:Privacy:Export:PartsPerStep must be between 1 and 100000.")
            .Validate(o => o.ActivityEntriesPerStep is >= 1 and <= 100_000, "Confide:Privacy:Export:ActivityEntriesPerStep must be between 1 and 100000.")
            .ValidateOnStart();
        services.AddSingleton<SubjectExportFiles>();
        services.AddSingleton<SubjectExportReader>();
        services.AddSingleton<SubjectExportCommands>();
        services.AddJobHandler<SubjectExportJob>();
        services.AddJobHandler<SubjectExportExpiryJob>();
        services.AddOptions<WorkspaceDeletionOptions>()
            .BindConfiguration(WorkspaceDeletionOptions.Section)
            .Validate(o => o.RowsPerStep is >= 1 and <= 10_000, "Confide:Privacy:WorkspaceDeletion:RowsPerStep must be between 1 and 10000.")
            .ValidateOnStart();
        services.AddSingleton<WorkspaceDeletionMail>();
        services.AddSingleton<WorkspaceDeletionCommands>();
        services.AddJobHandler<WorkspaceDeletionJob>();
        return services;
    }

    /// <summary>Maps Confide's privacy API into <paramref name="api"/>, the group behind an API token.</summary>
    public static void MapPrivacyApi(this IEndpointRouteBuilder api)
    {
        api.MapPrivacyRequestEndpoints();
        api.MapErasureEndpoints();
        api.MapSubjectExportEndpoints();
        api.MapWorkspaceDeletionEndpoints();
    }
}
