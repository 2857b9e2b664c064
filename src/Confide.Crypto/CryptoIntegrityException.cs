namespace Confide.Crypto;

/// <summary>
/// Ciphertext or a wrapped key failed authentication: it was altered, moved to another record
/// or field, or belongs to another key. Reported as an integrity error, never as empty data
/// and never with a plaintext fallback. The message names no data, only what failed.
/// </summary>
public sealed class CryptoIntegrityException(string message) : Exception(message);

/// <summary>A data key reached its use limit; the caller must move to a new key version.</summary>
public sealed class KeyUsageExhaustedException(Guid keyId) : Exception($"Data key {keyId} reached its use limit; rotate to a new version.")
{
    public Guid KeyId { get; } = keyId;
}

/// <summary>A region's master key is missing, unreadable or not the one its data was wrapped with.</summary>
public sealed class MasterKeyUnavailableException(string message) : Exception(message);

/// <summary>The contact's keys were destroyed (crypto-shredded): their data can never be read again.</summary>
public sealed class ContactErasedException() : Exception("The contact's data was erased.");
