using Confide.Data.Model;
using Confide.Platform;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Data;

public static class DataServiceCollectionExtensions
{
    public static IServiceCollection AddConfideData(this IServiceCollection services)
    {
        services.AddOptions<ConfideOptions>().BindConfiguration(ConfideOptions.Section).ValidateOnStart();
        services.AddSingleton<CellRegistry>();
        services.AddSingleton<ILookupIndex, NormalizingLookupIndex>();
        services.AddScoped<CurrentCell>();
        // Framework code (ASP.NET Core Identity) asks for the context itself; hand it the
        // current request's cell and nothing else.
        services.AddScoped<ConfideDbContext>(sp => sp.GetRequiredService<CurrentCell>().Database.CreateTrackingContext());
        return services;
    }
}
