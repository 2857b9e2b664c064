using Microsoft.Extensions.DependencyInjection;

namespace Confide.Messaging.Contacts.Erasure;

public static class SubjectDataHandlerRegistration
{
    /// <summary>Registers a module's <see cref="ISubjectDataHandler"/>; handlers run in the order they were added.</summary>
    public static IServiceCollection AddSubjectDataHandler<T>(this IServiceCollection services)
        where T : class, ISubjectDataHandler
    {
        services.AddSingleton<ISubjectDataHandler, T>();
        return services;
    }
}
