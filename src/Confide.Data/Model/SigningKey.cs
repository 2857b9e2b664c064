using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A region's signing key pair (ECDSA P-256). The public key is published; the private key is
/// stored only wrapped by the region's master key, like every data key.
/// </summary>
public sealed class SigningKey
{
    /// <summary>First 16 hex digits of SHA-256 of the public key (SubjectPublicKeyInfo).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string Purpose { get; init; }

    /// <summary>DER SubjectPublicKeyInfo.</summary>
    [DataCategory(DataCategories.SystemIntegrity)]
    public required byte[] PublicKey { get; init; }

    /// <summary>The private scalar (32 bytes) wrapped by the master key <see cref="MasterKeyId"/>.</summary>
    [DataCategory(DataCategories.SystemKeyMaterial)]
    public required byte[] WrappedPrivateKey { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public required Guid MasterKeyId { get; set; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set when a newer key took over signing; a retired key keeps verifying.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset? RetiredAt { get; set; }
}

public static class SigningKeyPurposes
{
    public const string ActivityLog = "activity-log";
}
