using Confide.Platform;

namespace Confide.Data.Model;

/// <summary>
/// A kind of message a workspace's contacts can opt in to or out of (Intercom's subscription
/// types: newsletters, product announcements), with its names in one or more languages.
/// Workspace configuration, not personal data; what each contact chose is a
/// <see cref="ContactSubscriptionChange"/>.
/// </summary>
public sealed class SubscriptionType
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    /// <summary>A number within the workspace (Intercom's ids of subscription types are numbers, sent as strings).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public long Id { get; init; }

    /// <summary>See <see cref="SubscriptionTypeStates"/>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string State { get; set; }

    /// <summary><c>opt_in</c> (nobody receives it until they opt in) or <c>opt_out</c> (everyone does until they opt out); it cannot change once created.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ConsentType { get; init; }

    /// <summary>The kinds of message it covers, comma-separated: <c>email</c>, <c>sms_message</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ContentTypes { get; set; }

    /// <summary>Its names and descriptions per locale, as a JSON array of <c>{"name","description","locale"}</c>; the first is the default translation.</summary>
    [DataCategory(DataCategories.WorkspaceSetting)]
    public required string Translations { get; set; }

    /// <summary>The teammate who created it.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? AdminId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset CreatedAt { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class SubscriptionTypeStates
{
    public const string Live = "live";
    public const string Draft = "draft";
    public const string Archived = "archived";

    public static IReadOnlyList<string> All { get; } = [Live, Draft, Archived];
}

public static class ConsentTypes
{
    public const string OptIn = "opt_in";
    public const string OptOut = "opt_out";
}

/// <summary>
/// One change of a contact's subscription to a subscription type: the consent record. Rows are
/// only added, never changed: the contact's current choice is the newest row for the type, and
/// the rows before it are the history (who changed it, how, when). Personal data of the
/// contact: exported with it and erased with it (docs/subscriptions.md says why erasure wins
/// over keeping the proof, and what of the proof stays).
/// </summary>
public sealed class ContactSubscriptionChange
{
    [DataCategory(DataCategories.SystemOperations)]
    public required string Id { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string WorkspaceId { get; init; }

    [DataCategory(DataCategories.SystemOperations)]
    public required string ContactId { get; init; }

    [DataCategory(DataCategories.UserPrivacyPreferences)]
    public long SubscriptionTypeId { get; init; }

    /// <summary>The type's consent type: what being attached means (opted in to an <c>opt_in</c> type, opted out of an <c>opt_out</c> one).</summary>
    [DataCategory(DataCategories.UserPrivacyPreferences)]
    public required string ConsentType { get; init; }

    /// <summary>True when the contact was attached to the type (the explicit choice), false when detached (back to the type's default).</summary>
    [DataCategory(DataCategories.UserPrivacyPreferences)]
    public bool Attached { get; init; }

    /// <summary>When the change was made.</summary>
    [DataCategory(DataCategories.UserPrivacyPreferences)]
    public DateTimeOffset ChangedAt { get; init; }

    /// <summary>Who made it: <c>admin</c> (a teammate, or an API token's teammate) or <c>contact</c> (the contact itself).</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string ActorType { get; init; }

    /// <summary>The teammate's id for <c>admin</c>; null for the contact.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public string? ActorId { get; init; }

    /// <summary>Through what: <c>api</c>, <c>web</c> or <c>messenger</c>.</summary>
    [DataCategory(DataCategories.SystemOperations)]
    public required string Via { get; init; }
}

/// <summary>A subscription type's name and description in one language (Intercom's translation object).</summary>
public sealed record SubscriptionTranslation(string Name, string Description, string Locale);

/// <summary>Reads and writes <see cref="SubscriptionType.Translations"/>.</summary>
public static class SubscriptionTypeTranslations
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IReadOnlyList<SubscriptionTranslation> Read(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<List<SubscriptionTranslation>>(json, Options) ?? [];

    public static string Write(IReadOnlyList<SubscriptionTranslation> translations) =>
        System.Text.Json.JsonSerializer.Serialize(translations, Options);

    /// <summary>The default translation's name (the first one's).</summary>
    public static string? DefaultName(string json) => Read(json) is { Count: > 0 } translations ? translations[0].Name : null;
}
