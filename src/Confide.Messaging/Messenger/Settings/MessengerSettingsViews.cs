using System.Text.Json;
using System.Text.Json.Nodes;
using Confide.Data.Model;

namespace Confide.Messaging.Messenger.Settings;

/// <summary>
/// A change to some settings; absent ones stay. <see cref="Jwks"/> is undefined when absent and
/// JSON null to clear the key set.
/// </summary>
public sealed record MessengerSettingsInput(bool? IdentityVerificationEnforced, string?[]? AllowedOrigins, int? JwtMaxLifetimeSeconds, JsonElement Jwks);

public sealed record MessengerSettingsView(bool IdentityVerificationEnforced, IReadOnlyList<string> AllowedOrigins, int JwtMaxLifetimeSeconds, JsonNode? Jwks, long? UpdatedAt)
{
    public string Type { get; } = "messenger_settings";

    /// <summary>No row is the defaults.</summary>
    public static MessengerSettingsView From(MessengerSettings? s) => new(
        s?.IdentityVerificationEnforced ?? false,
        MessengerOrigins.Parse(s?.AllowedOrigins),
        s?.JwtMaxLifetimeSeconds ?? MessengerSettings.DefaultJwtMaxLifetimeSeconds,
        s?.JsonWebKeySet is { } jwks ? JsonNode.Parse(jwks) : null,
        s?.UpdatedAt.ToUnixTimeSeconds());

    /// <summary>The activity log's before/after: public keys are named by id, not copied.</summary>
    internal JsonObject ToActivityJson(string? storedJwks) => new()
    {
        ["identity_verification_enforced"] = IdentityVerificationEnforced,
        ["allowed_origins"] = new JsonArray([.. AllowedOrigins.Select(o => JsonValue.Create(o))]),
        ["jwt_max_lifetime_seconds"] = JwtMaxLifetimeSeconds,
        ["jwks_key_ids"] = storedJwks is null ? null : new JsonArray([.. MessengerKeySet.KeyIds(storedJwks).Select(k => JsonValue.Create(k))]),
    };
}
