using Confide.Data;
using Microsoft.EntityFrameworkCore;
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
        services.AddSingleton<RegionSigningKeys>();
        return services;
    }

    /// <summary>Opens the cell's master key (failing closed), its contact key store, and gives every workspace its keys.</summary>
    public static async Task PrepareCellAsync(IServiceProvider services, CellDatabase cell, CancellationToken cancellationToken)
    {
#if CONFIDE_NULL_CIPHER
        if (Environment.GetEnvironmentVariable("CONFIDE_BENCHMARK_NULL_CIPHER") != "stores-data-in-clear")
        {
            throw new InvalidOperationException(
                "This is a benchmark build whose field encryption is a copy (ConfideNullCipher=true). It must never hold real data; build Confide normally.");
        }
#endif
        await services.GetRequiredService<MasterKeys>().OpenAsync(cell, cancellationToken);
        await MasterKeyFences.EnsureAsync(cell, cancellationToken);
        var contactKeys = services.GetRequiredService<ContactKeyRing>();
        var storePath = contactKeys.StorePath(cell.Region);
        if (!File.Exists(storePath))
        {
            await using var db = cell.CreateReadContext();
            if (await db.Contacts.AnyAsync(cancellationToken))
            {
                throw new MasterKeyUnavailableException(
                    $"Region '{cell.Region}': the contact key store {storePath} is missing, but the database holds contacts. Restore it from your key backup; without it their data cannot be read.");
            }
        }

        await contactKeys.StoreAsync(cell.Region);
        await services.GetRequiredService<WorkspaceKeyBackfill>().RunAsync(cell, cancellationToken);
    }
}
