using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Confide.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confide.Audit;

public static class AuditModule
{
    public static IServiceCollection AddConfideAudit(this IServiceCollection services)
    {
        services.AddSingleton<PendingCheckpoints>();
        services.AddSingleton<ActivityLog>();
        services.AddSingleton<ActivityCheckpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<ActivityCheckpointer>());
        services.AddSingleton<ActivityLogExporter>();
        services.AddSingleton<ActivityLogQuery>();
        return services;
    }

    /// <summary>Checks the log's settings and gives the region its activity-log signing key (after its master key is open).</summary>
    public static async Task PrepareCellAsync(IServiceProvider services, CellDatabase cell, CancellationToken cancellationToken)
    {
        services.GetRequiredService<IOptions<ConfideOptions>>().Value.ActivityLog.Validate();
        await services.GetRequiredService<RegionSigningKeys>().EnsureAsync(cell, SigningKeyPurposes.ActivityLog, cancellationToken);
    }
}
