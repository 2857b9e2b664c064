using Confide.Platform;

namespace Confide.Crypto;

/// <summary>
/// Seals and opens the personal fields of one contact — their profile, their conversations'
/// titles and parts, the notes about them — under that contact's key. New values use the
/// newest key version; stored values name the version they were sealed with.
/// </summary>
public sealed class ContactCipher
{
    private readonly Region _region;
    private readonly string _workspaceId;
    private readonly KeyVersions _keys;

    internal ContactCipher(Region region, string workspaceId, string contactId, IReadOnlyList<DataKey> keys)
    {
        _region = region;
        _workspaceId = workspaceId;
        ContactId = contactId;
        _keys = new KeyVersions(keys, "this contact");
    }

    public string ContactId { get; }

    /// <summary>The version new values are sealed with.</summary>
    public Guid CurrentKeyId => _keys.Current.Id;

    /// <summary>The key new values are sealed with (tests wear it out).</summary>
    internal DataKey SealingKey => _keys.Current;

    /// <summary>True when a stored value was sealed with an older version than <see cref="CurrentKeyId"/>.</summary>
    public bool NeedsResealing(byte[]? sealedValue) => sealedValue is not null && FieldCipher.KeyIdOf(sealedValue) != CurrentKeyId;

    /// <param name="entity">The table-level name of what is sealed, e.g. <c>contact</c> or <c>conversation_part</c>.</param>
    /// <param name="recordId">The id of the row the value belongs to.</param>
    public byte[]? Seal(string entity, string recordId, string field, string? value) =>
        value is null ? null : _keys.Seal(Context(entity, recordId, field), value);

    /// <summary>The plaintext, or <see cref="CryptoIntegrityException"/> if the value does not authenticate.</summary>
    public string? Open(string entity, string recordId, string field, byte[]? sealedValue) =>
        sealedValue is null ? null : _keys.Open(Context(entity, recordId, field), sealedValue);

    private FieldContext Context(string entity, string recordId, string field) =>
        new(_workspaceId, _region.Code, entity, recordId, field);
}
