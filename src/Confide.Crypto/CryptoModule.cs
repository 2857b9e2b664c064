using Confide.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Confide.Crypto;

public static class CryptoModule
{
    public static IServiceCollection AddConfideCrypto(this IServiceCollection services)
    {
        services.AddSingleton<MasterKeys>();
        services.AddSingleton<WorkspaceKeyRing>();
        services.AddSingleton<ILookupIndex>(sp => sp.GetRequiredService<WorkspaceKeyRing>());
        services.AddSingleton<LookupIndexBackfill>();
        return services;
    }

    /// <summary>Opens the cell's master key (failing closed) and brings its lookup keys up to date.</summary>
    public static async Task PrepareCellAsync(IServiceProvider services, CellDatabase cell, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<MasterKeys>().OpenAsync(cell, cancellationToken);
        await services.GetRequiredService<LookupIndexBackfill>().RunAsync(cell, cancellationToken);
    }
}
