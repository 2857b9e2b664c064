using Confide.Messaging.Contacts;
using Confide.Privacy.Erasure;
using Confide.Privacy.Requests;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Privacy;

/// <summary>
/// Privacy operations: data-subject requests with their legal deadlines (docs/privacy-operations.md).
/// Export, the one erasure path and its receipts belong here too as they are built.
/// </summary>
public static class PrivacyModule
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<PrivacyRequestSubjects>();
        services.AddSingleton<PrivacyRequestCommands>();
        services.AddSingleton<PrivacyRequestQueries>();
        services.AddSingleton<IContactErasureCompletion, ErasureReceipts>();
        services.AddSingleton<UserDeleteRequests>();
        return services;
    }

    /// <summary>Maps Confide's privacy API into <paramref name="api"/>, the group behind an API token.</summary>
    public static void MapPrivacyApi(this IEndpointRouteBuilder api)
    {
        api.MapPrivacyRequestEndpoints();
        api.MapErasureEndpoints();
    }
}
