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
        services.AddSingleton<ContactKeyRing>();
        services.AddSingleton<WorkspaceKeyBackfill>();
        return services;
    }

    /// <summary>Opens the cell's master key (failing closed), its contact key store, and gives every workspace its keys.</summary>
    public static async Task PrepareCellAsync(IServiceProvider services, CellDatabase cell, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<MasterKeys>().OpenAsync(cell, cancellationToken);
        await services.GetRequiredService<ContactKeyRing>().StoreAsync(cell.Region);
        await services.GetRequiredService<WorkspaceKeyBackfill>().RunAsync(cell, cancellationToken);
    }
}
