using Confide.Crypto;
using Confide.Data.Model;

namespace Confide.Messaging;

/// <summary>
/// Every personal field Confide stores, encrypted under the key of the contact it is about,
/// and the entity and field names bound into each ciphertext. Never rename these strings:
/// values sealed under the old names would stop decrypting.
/// </summary>
internal static class SealedFields
{
    private const string ContactEntity = "contact";
    private const string ConversationEntity = "conversation";
    private const string PartEntity = "conversation_part";
    private const string NoteEntity = "note";
    private const string DataEventEntity = "data_event";

    public static string? ExternalId(this ContactCipher cipher, Contact contact) => cipher.Open(ContactEntity, contact.Id, "external_id", contact.EncryptedExternalId);

    public static string? Email(this ContactCipher cipher, Contact contact) => cipher.Open(ContactEntity, contact.Id, "email", contact.EncryptedEmail);

    public static string? Phone(this ContactCipher cipher, Contact contact) => cipher.Open(ContactEntity, contact.Id, "phone", contact.EncryptedPhone);

    public static string? Name(this ContactCipher cipher, Contact contact) => cipher.Open(ContactEntity, contact.Id, "name", contact.EncryptedName);

    /// <summary>The custom attributes as a JSON object (<c>{}</c> when there are none).</summary>
    public static string CustomAttributes(this ContactCipher cipher, Contact contact) =>
        cipher.Open(ContactEntity, contact.Id, "custom_attributes", contact.EncryptedCustomAttributes) ?? "{}";

    public static void SetExternalId(this ContactCipher cipher, Contact contact, string? value) =>
        contact.EncryptedExternalId = cipher.Seal(ContactEntity, contact.Id, "external_id", value);

    public static void SetEmail(this ContactCipher cipher, Contact contact, string? value) =>
        contact.EncryptedEmail = cipher.Seal(ContactEntity, contact.Id, "email", value);

    public static void SetPhone(this ContactCipher cipher, Contact contact, string? value) =>
        contact.EncryptedPhone = cipher.Seal(ContactEntity, contact.Id, "phone", value);

    public static void SetName(this ContactCipher cipher, Contact contact, string? value) =>
        contact.EncryptedName = cipher.Seal(ContactEntity, contact.Id, "name", value);

    public static void SetCustomAttributes(this ContactCipher cipher, Contact contact, string json) =>
        contact.EncryptedCustomAttributes = cipher.Seal(ContactEntity, contact.Id, "custom_attributes", json);

    public static string? Title(this ContactCipher cipher, Conversation conversation) =>
        cipher.Open(ConversationEntity, conversation.Id, "title", conversation.EncryptedTitle);

    public static void SetTitle(this ContactCipher cipher, Conversation conversation, string? value) =>
        conversation.EncryptedTitle = cipher.Seal(ConversationEntity, conversation.Id, "title", value);

    /// <summary>The conversation's custom attributes as a JSON object (<c>{}</c> when there are none).</summary>
    public static string CustomAttributes(this ContactCipher cipher, Conversation conversation) =>
        cipher.Open(ConversationEntity, conversation.Id, "custom_attributes", conversation.EncryptedCustomAttributes) ?? "{}";

    public static void SetCustomAttributes(this ContactCipher cipher, Conversation conversation, string json) =>
        conversation.EncryptedCustomAttributes = cipher.Seal(ConversationEntity, conversation.Id, "custom_attributes", json);

    /// <summary>The remark of the contact's rating; null without a rating or a remark.</summary>
    public static string? RatingRemark(this ContactCipher cipher, Conversation conversation) =>
        cipher.Open(ConversationEntity, conversation.Id, "rating_remark", conversation.EncryptedRatingRemark);

    public static void SetRatingRemark(this ContactCipher cipher, Conversation conversation, string? value) =>
        conversation.EncryptedRatingRemark = cipher.Seal(ConversationEntity, conversation.Id, "rating_remark", value);

    public static string? Body(this ContactCipher cipher, ConversationPart part) =>
        cipher.Open(PartEntity, part.Id, "body", part.EncryptedBody);

    public static void SetBody(this ContactCipher cipher, ConversationPart part, string? value) =>
        part.EncryptedBody = cipher.Seal(PartEntity, part.Id, "body", value);

    public static string Body(this ContactCipher cipher, Note note) =>
        cipher.Open(NoteEntity, note.Id, "body", note.EncryptedBody)!;

    public static byte[] SealNoteBody(this ContactCipher cipher, string noteId, string body) =>
        cipher.Seal(NoteEntity, noteId, "body", body)!;

    /// <summary>A data event's metadata as a JSON object, or null when none was sent.</summary>
    public static string? Metadata(this ContactCipher cipher, DataEvent dataEvent) =>
        cipher.Open(DataEventEntity, dataEvent.Id, "metadata", dataEvent.EncryptedMetadata);

    public static byte[]? SealEventMetadata(this ContactCipher cipher, string eventId, string? json) =>
        cipher.Seal(DataEventEntity, eventId, "metadata", json);
}
