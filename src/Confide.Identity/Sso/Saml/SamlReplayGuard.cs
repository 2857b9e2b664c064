using System.Security.Cryptography;
using System.Text;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace Confide.Identity.Sso.Saml;

/// <summary>
/// Accepts each assertion once: its ID (per connection) is recorded in the region's database
/// until it could no longer pass validation anyway, and the primary key makes a second insert
/// fail, also when two nodes receive the same response at once. Only a hash of the ids is kept.
/// </summary>
public sealed class SamlReplayGuard(TimeProvider time)
{
    /// <summary>True the first time this assertion is seen for this connection; false on a replay.</summary>
    public async Task<bool> TryConsumeAsync(CellDatabase cell, SsoConnection connection, SamlAssertion assertion, CancellationToken ct)
    {
        var id = KeyOf(connection.Id, assertion.AssertionId);
        var now = time.GetUtcNow();
        try
        {
            await cell.Writer.WriteAsync(async (db, token) =>
            {
                // Expired entries can no longer be replayed (the validator refuses them): purge them as we go.
                await db.SsoConsumedAssertions.Where(a => a.ExpiresAt < now).ExecuteDeleteAsync(token);
                db.SsoConsumedAssertions.Add(new SsoConsumedAssertion { Id = id, WorkspaceId = connection.WorkspaceId, ExpiresAt = assertion.KeepForReplayUntil });
            }, ct);
            return true;
        }
        catch (DbUpdateException ex) when (DatabaseFailure.IsConflict(ex))
        {
            // Told apart from other write failures by looking: the row is there only if it was used before.
            await using var db = cell.CreateReadContext();
            if (await db.SsoConsumedAssertions.AnyAsync(a => a.Id == id, ct))
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>Hex SHA-256 of the connection id and the assertion id.</summary>
    public static string KeyOf(string connectionId, string assertionId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(connectionId + "\n" + assertionId)));
}
