using System.Reflection;
using Confide.Data.Model;
using Confide.Platform;

namespace Confide.Privacy.Exports;

/// <summary>
/// Which stored fields an export holds, under which name, and which it leaves out and why. The
/// data category of each field is read from its <see cref="DataCategoryAttribute"/>, so the
/// export's layout (<c>categories.&lt;category&gt;.&lt;entity&gt;[]</c>) follows the declared
/// categories; a test fails when a field of a personal category of a contact is in neither list.
/// </summary>
internal static class SubjectExportLayout
{
    /// <summary>The categories of data about an end user (the workforce's own and the blind indexes are other things).</summary>
    public static IReadOnlyList<string> PersonalCategories { get; } =
    [
        DataCategories.UserId, DataCategories.UserName, DataCategories.UserEmail, DataCategories.UserPhone,
        DataCategories.UserCustom, DataCategories.UserBehavior, DataCategories.UserNote, DataCategories.UserMessage,
        DataCategories.UserPrivacyPreferences,
    ];

    /// <summary>The order of the categories in the export; <see cref="DataCategories.UserMessage"/> and the activity log last, because conversation parts and log entries are streamed after everything else.</summary>
    public static IReadOnlyList<string> CategoryOrder { get; } =
    [
        DataCategories.UserId, DataCategories.UserName, DataCategories.UserEmail, DataCategories.UserPhone,
        DataCategories.UserCustom, DataCategories.UserBehavior, DataCategories.UserPrivacyPreferences, DataCategories.UserNote, DataCategories.SystemOperations,
        DataCategories.UserMessage, DataCategories.EmployeeActivity,
    ];

    /// <summary>Every exported field: (entity class, property) and the name it has in the export.</summary>
    public static IReadOnlyList<ExportedField> Fields { get; } =
    [
        new(typeof(Contact), nameof(Contact.EncryptedExternalId), "external_id"),
        new(typeof(Contact), nameof(Contact.EncryptedEmail), "email"),
        new(typeof(Contact), nameof(Contact.EncryptedPhone), "phone"),
        new(typeof(Contact), nameof(Contact.EncryptedName), "name"),
        new(typeof(Contact), nameof(Contact.EncryptedCustomAttributes), "custom_attributes"),
        new(typeof(Contact), nameof(Contact.LastSeenAt), "last_seen_at"),
        new(typeof(Contact), nameof(Contact.SignedUpAt), "signed_up_at"),
        new(typeof(Contact), nameof(Contact.Role), "role"),
        new(typeof(Contact), nameof(Contact.Archived), "archived"),
        new(typeof(Contact), nameof(Contact.CreatedAt), "created_at"),
        new(typeof(Contact), nameof(Contact.UpdatedAt), "updated_at"),
        new(typeof(ContactTag), nameof(ContactTag.TagId), "tag_id"),
        new(typeof(ContactTag), nameof(ContactTag.CreatedAt), "applied_at"),
        new(typeof(ContactCompany), nameof(ContactCompany.CompanyId), "company_id"),
        new(typeof(ContactCompany), nameof(ContactCompany.CreatedAt), "attached_at"),
        new(typeof(ConversationTag), nameof(ConversationTag.TagId), "tag_id"),
        new(typeof(ConversationTag), nameof(ConversationTag.CreatedAt), "applied_at"),
        new(typeof(ConversationParticipant), nameof(ConversationParticipant.ConversationId), "conversation_id"),
        new(typeof(ConversationParticipant), nameof(ConversationParticipant.CreatedAt), "attached_at"),
        new(typeof(Note), nameof(Note.EncryptedBody), "body"),
        new(typeof(Conversation), nameof(Conversation.EncryptedTitle), "title"),
        new(typeof(Conversation), nameof(Conversation.EncryptedCustomAttributes), "custom_attributes"),
        new(typeof(Conversation), nameof(Conversation.Rating), "rating"),
        new(typeof(Conversation), nameof(Conversation.EncryptedRatingRemark), "rating_remark"),
        new(typeof(Conversation), nameof(Conversation.RatedAt), "rated_at"),
        new(typeof(DataEvent), nameof(DataEvent.Name), "event_name"),
        new(typeof(DataEvent), nameof(DataEvent.OccurredAt), "created_at"),
        new(typeof(DataEvent), nameof(DataEvent.FirstOccurredAt), "first"),
        new(typeof(DataEvent), nameof(DataEvent.Count), "count"),
        new(typeof(DataEvent), nameof(DataEvent.EncryptedMetadata), "metadata"),
        new(typeof(ContactSubscriptionChange), nameof(ContactSubscriptionChange.SubscriptionTypeId), "subscription_type_id"),
        new(typeof(ContactSubscriptionChange), nameof(ContactSubscriptionChange.ConsentType), "consent_type"),
        new(typeof(ContactSubscriptionChange), nameof(ContactSubscriptionChange.Attached), "attached"),
        new(typeof(ContactSubscriptionChange), nameof(ContactSubscriptionChange.ChangedAt), "changed_at"),
        new(typeof(ConversationPart), nameof(ConversationPart.EncryptedBody), "body"),
        new(typeof(PrivacyRequest), nameof(PrivacyRequest.EncryptedSubjectEmail), "subject_email"),
        new(typeof(PrivacyRequest), nameof(PrivacyRequest.EncryptedSubjectExternalId), "subject_external_id"),
        new(typeof(PrivacyRequest), nameof(PrivacyRequest.EncryptedSubjectPhone), "subject_phone"),
        new(typeof(PrivacyRequest), nameof(PrivacyRequest.EncryptedExtensionReason), "extension_reason"),
        new(typeof(PrivacyRequest), nameof(PrivacyRequest.EncryptedStateReason), "state_reason"),
        new(typeof(ActivityLogEntry), nameof(ActivityLogEntry.EncryptedEntry), "description"),
    ];

    /// <summary>Fields of a personal category that are deliberately not exported, with the reason (none today).</summary>
    public static IReadOnlyDictionary<(Type Entity, string Property), string> Omitted { get; } = new Dictionary<(Type, string), string>();

    /// <summary>The entity names used in the export.</summary>
    public static string EntityName(Type entity) => entity.Name switch
    {
        nameof(Contact) => "contact",
        nameof(ContactTag) => "contact_tag",
        nameof(ContactCompany) => "contact_company",
        nameof(ConversationTag) => "conversation_tag",
        nameof(ConversationParticipant) => "conversation_participant",
        nameof(Note) => "note",
        nameof(Conversation) => "conversation",
        nameof(ConversationPart) => "conversation_part",
        nameof(DataEvent) => "data_event",
        nameof(ContactSubscriptionChange) => "subscription_change",
        nameof(PrivacyRequest) => "privacy_request",
        nameof(ActivityLogEntry) => "activity_log_entry",
        _ => throw new ArgumentOutOfRangeException(nameof(entity), entity.Name, "Not an exported entity."),
    };

    public static string CategoryOf(Type entity, string property) =>
        entity.GetProperty(property)?.GetCustomAttribute<DataCategoryAttribute>()?.Category
            ?? throw new InvalidOperationException($"{entity.Name}.{property} declares no data category.");

    public static ExportedField Field(Type entity, string property) =>
        Fields.FirstOrDefault(f => f.Entity == entity && f.Property == property)
            ?? throw new InvalidOperationException($"{entity.Name}.{property} is not in the export layout.");
}

/// <summary>One exported field; <see cref="Category"/> is the one its property declares.</summary>
internal sealed record ExportedField(Type Entity, string Property, string Name)
{
    public string Category { get; } = SubjectExportLayout.CategoryOf(Entity, Property);
}
