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
        services.AddHostedService<ContactKeyNotices>();
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
        await EnsureContactKeyStoreAsync(services.GetRequiredService<ContactKeyRing>(), cell, cancellationToken);
        await services.GetRequiredService<ContactKeyRing>().StoreAsync(cell.Region);
        await services.GetRequiredService<WorkspaceKeyBackfill>().RunAsync(cell, cancellationToken);
    }

    /// <summary>
    /// Refuses to start a region whose contact keys are not where its settings say (ADR 0006,
    /// ADR 0016): a key store that is missing while the database holds contacts (their data
    /// would be unreadable), and a region moved to a PostgreSQL key store whose local key file
    /// still holds keys (they would be silently left behind).
    /// </summary>
    private static async Task EnsureContactKeyStoreAsync(ContactKeyRing contactKeys, CellDatabase cell, CancellationToken cancellationToken)
    {
        var path = contactKeys.StorePath(cell.Region);
        string location;
        bool present;
        if (contactKeys.PostgresStore(cell.Region) is { } postgres)
        {
            var left = await SqliteContactKeyStore.CountKeysInFileAsync(path, cancellationToken);
            if (left > 0)
            {
                throw new MasterKeyUnavailableException(
                    $"Region '{cell.Region}': its contact key store is configured on PostgreSQL ({PostgresContactKeyStore.Describe(postgres)}), but the local key file {path} still holds {left} contact key(s). " +
                    $"Move them first with: confide keys move-store --region {cell.Region.Code}");
            }

            location = PostgresContactKeyStore.Describe(postgres);
            present = await PostgresContactKeyStore.ExistsAsync(postgres, cancellationToken);
        }
        else
        {
            location = path;
            present = File.Exists(path);
        }

        if (!present)
        {
            await using var db = cell.CreateReadContext();
            if (await db.Contacts.AnyAsync(cancellationToken))
            {
                throw new MasterKeyUnavailableException(
                    $"Region '{cell.Region}': the contact key store {location} is missing, but the database holds contacts. Restore it from your key backup; without it their data cannot be read.");
            }
        }
    }
}
