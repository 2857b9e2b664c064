using Confide.Crypto;
using Confide.Data;
using Confide.Data.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Confide.Audit;

/// <summary>
/// Publishes the region's activity-log signing keys, without authentication, so a customer can
/// pin the key an export was signed with to the one the region serves.
/// </summary>
public static class ActivityLogKeyEndpoints
{
    public const string Path = "/.well-known/confide/activity-log-keys";

    internal sealed record KeyView(string KeyId, string Algorithm, string PublicKey, string PublicKeyPem, long CreatedAt, long? RetiredAt);

    internal sealed record KeysView(string Region, IReadOnlyList<KeyView> Keys);

    public static IEndpointConventionBuilder MapActivityLogKeys(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Path, async (CurrentCell cell, CancellationToken ct) =>
        {
            var keys = await RegionSigningKeys.PublicKeysAsync(cell.Database, SigningKeyPurposes.ActivityLog, ct);
            return TypedResults.Ok(new KeysView(cell.Region.Code, [.. keys.Select(k => new KeyView(
                k.Id,
                "ecdsa-p256-sha256",
                Convert.ToBase64String(k.PublicKey),
                System.Security.Cryptography.PemEncoding.WriteString("PUBLIC KEY", k.PublicKey),
                k.CreatedAt.ToUnixTimeSeconds(),
                k.RetiredAt?.ToUnixTimeSeconds()))]));
        }).AllowAnonymous();
}
