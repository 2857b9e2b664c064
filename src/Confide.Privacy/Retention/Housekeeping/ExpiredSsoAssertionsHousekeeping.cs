using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Privacy.Retention.Housekeeping;

/// <summary>
/// Deletes consumed SAML assertions (<see cref="SsoConsumedAssertion"/>) past their expiry. Every
/// SAML sign-in of the region already deletes the expired ones as it records its own, so the table
/// stays small while sign-ins go on; this removes what the last sign-ins left behind.
/// </summary>
internal sealed class ExpiredSsoAssertionsHousekeeping : IRetentionHousekeeping
{
    public string Name => "sso_consumed_assertions";

    public async Task<RetentionBatch?> NextBatchAsync(CellDatabase cell, DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        List<string> ids;
        await using (var db = cell.CreateReadContext())
        {
            ids = await db.SsoConsumedAssertions.Where(a => a.ExpiresAt < now).OrderBy(a => a.ExpiresAt).Select(a => a.Id).Take(batchSize).ToListAsync(cancellationToken);
        }

        return ids.Count == 0
            ? null
            : new RetentionBatch(ids.Count, (db, ct) => db.SsoConsumedAssertions.Where(a => ids.Contains(a.Id) && a.ExpiresAt < now).ExecuteDeleteAsync(ct));
    }
}
