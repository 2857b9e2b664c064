using Confide.Data.Model;
using Confide.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Confide.Data;

public static class DataServiceCollectionExtensions
{
    public static IServiceCollection AddConfideData(this IServiceCollection services)
    {
        services.AddOptions<ConfideOptions>()
            .BindConfiguration(ConfideOptions.Section)
            .Validate(o => o.Serve.All(code => Region.TryParse(code, out _)), "Confide:Serve lists an unknown region; use us, eu or au.")
            .Validate(o => o.Regions.Keys.All(code => Region.TryParse(code, out _)), "Confide:Regions has an unknown region; use us, eu or au.")
            .Validate(o => o.PostgresWriteRetrySeconds is >= 0 and <= 300, "Confide:PostgresWriteRetrySeconds must be between 0 and 300.")
            .Validate(o => o.ListenAddress is "localhost" or "any" || System.Net.IPAddress.TryParse(o.ListenAddress, out _), "Confide:ListenAddress must be 'localhost', 'any' or an IP address.")
            .ValidateOnStart();
        services.AddSingleton<CellRegistry>();
        services.AddSingleton<Notifications.CellNotifications>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Notifications.CellNotificationListener>());
        services.AddScoped<CurrentCell>();
        // Framework code (ASP.NET Core Identity) asks for the context itself; hand it the
        // current request's cell and nothing else.
        services.AddScoped<ConfideDbContext>(sp => sp.GetRequiredService<CurrentCell>().Database.CreateTrackingContext());
        return services;
    }
}
