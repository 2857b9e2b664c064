using Confide.Data;
using Confide.Identity;
using Confide.Identity.Api;
using Confide.Messaging.Inbox;
using Confide.Messaging.Admins;
using Confide.Data.Jobs;
using Confide.Messaging.Contacts;
using Confide.Messaging.Contacts.Erasure;
using Confide.Messaging.Conversations;
using Confide.Messaging.DataAttributes;
using Confide.Messaging.DataEvents;
using Confide.Messaging.Messenger.Settings;
using Confide.Messaging.Messenger.Verification;
using Confide.Messaging.Notes;
using Confide.Messaging.Tags;
using Confide.Messaging.Teams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Messaging;

public static class MessagingModule
{
    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        services.AddSingleton<Live.ConversationSignals>();
        services.AddSingleton<ContactCommands>();
        services.AddSingleton<ContactErasure>();
        services.AddSingleton<ContactMerging>();
        // The subject's data, in the order the purge erases it: parts before their conversations.
        services.AddSubjectDataHandler<ConversationPartData>();
        services.AddSubjectDataHandler<ConversationTagData>();
        services.AddSubjectDataHandler<ConversationParticipantData>();
        services.AddSubjectDataHandler<ConversationData>();
        services.AddSubjectDataHandler<NoteData>();
        services.AddSubjectDataHandler<ContactTagData>();
        services.AddSubjectDataHandler<Companies.ContactCompanyData>();
        services.AddSubjectDataHandler<DataEventSubjectData>();
        services.AddSubjectDataHandler<Subscriptions.SubscriptionSubjectData>();
        services.AddSubjectDataHandler<Search.SearchTokenSubjectData>();
        services.AddSubjectDataHandler<ContactProfileData>();
        services.AddJobHandler<ContactErasureJob>();
        services.AddOptions<ContactErasureOptions>()
            .BindConfiguration(ContactErasureOptions.Section)
            .Validate(o => o.PurgeBatchSize is >= 1 and <= 10_000, "Confide:Erasure:PurgeBatchSize must be between 1 and 10000.")
            .ValidateOnStart();
        services.AddSingleton<Search.EncryptedSearch>();
        services.AddJobHandler<Search.SearchBackfillJob>();
        services.AddOptions<Search.SearchOptions>()
            .BindConfiguration(Search.SearchOptions.Section)
            .Validate(o => o.MaxCandidates is >= 1 and <= 100_000, "Confide:Search:MaxCandidates must be between 1 and 100000.")
            .ValidateOnStart();
        services.AddSingleton<ConversationCommands>();
        services.AddSingleton<Messages.OutboundMessages>();
        services.AddSingleton<Visitors.VisitorCommands>();
        services.AddJobHandler<ConversationUnsnoozeJob>();
        services.AddSingleton<ConversationRedaction>();
        services.AddSingleton<ConversationCustomerCommands>();
        services.AddSingleton<Companies.CompanyCommands>();
        services.AddSingleton<Companies.CompanyTagging>();
        services.AddSingleton<ConversationTagCommands>();
        services.AddSingleton<ConversationUpdateCommands>();
        services.AddSingleton<DataEventCommands>();
        services.AddSingleton<DataAttributeCommands>();
        services.AddSingleton<Subscriptions.SubscriptionTypeCommands>();
        services.AddSingleton<Subscriptions.ContactSubscriptionCommands>();
        services.AddSingleton<Segments.SegmentCommands>();
        services.AddSingleton<TeamCommands>();
        services.AddSingleton<MessengerSecrets>();
        services.AddSingleton<MessengerSettingsCommands>();
        services.AddSingleton<MessengerIdentityVerifier>();
        services.AddSingleton<Messenger.MessengerSessions>();
        services.AddSingleton<Messenger.MessengerContacts>();
        services.AddSingleton<Messenger.MessengerConversations>();
        services.AddScoped(sp => new InboxService(sp.GetRequiredService<CurrentCell>(), sp.GetRequiredService<ConversationCommands>(), sp.GetRequiredService<Crypto.ContactKeyRing>()));
        return services;
    }

    /// <summary>At start-up: queues the search index's backfill (ADR 0015) if some record was written before the index existed.</summary>
    public static Task PrepareCellAsync(IServiceProvider services, CellDatabase cell, CancellationToken cancellationToken) =>
        services.GetService<JobQueue>() is { } jobs ? Search.SearchBackfillJob.EnqueueIfNeededAsync(jobs, cell, cancellationToken) : Task.CompletedTask;

    /// <summary>The website messenger's own API (<c>/messenger/v1</c>), apart from the REST API.</summary>
    public static void MapMessengerApi(this IEndpointRouteBuilder endpoints) => Messenger.MessengerEndpoints.MapMessengerApi(endpoints);

    /// <summary>The Intercom-compatible REST API, all behind an API token of the endpoint's own region.</summary>
    public static RouteGroupBuilder MapIntercomApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("").RequireAuthorization(ApiTokenAuthenticationHandler.SchemeName);
        api.MapAdminEndpoints();
        api.MapActivityLogEndpoints();
        api.MapContactEndpoints();
        api.MapConversationEndpoints();
        api.MapTagEndpoints();
        api.MapTeamEndpoints();
        api.MapNoteEndpoints();
        api.MapDataEventEndpoints();
        api.MapDataAttributeEndpoints();
        api.MapMessengerSettingsEndpoints();
        api.MapIdentityEndpoints();
        Companies.CompanyEndpoints.MapCompanyEndpoints(api);
        Messages.MessageEndpoints.MapMessageEndpoints(api);
        Visitors.VisitorEndpoints.MapVisitorEndpoints(api);
        Subscriptions.SubscriptionEndpoints.MapSubscriptionEndpoints(api);
        Segments.SegmentEndpoints.MapSegmentEndpoints(api);
        return api;
    }
}
